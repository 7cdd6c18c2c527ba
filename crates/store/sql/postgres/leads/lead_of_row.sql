SELECT lead_id FROM lead_sources WHERE md5(fingerprint) = md5($1) AND fingerprint = $1
