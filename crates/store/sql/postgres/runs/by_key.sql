SELECT id, key_fingerprint FROM runs WHERE key = $1
