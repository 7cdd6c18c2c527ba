INSERT INTO lead_sources (lead_id, import_id, line, fingerprint, raw, matched_on) VALUES ($1, $2, $3, $4, $5, $6)
