SELECT id FROM runs WHERE key = $1
