SELECT 1 FROM api_keys WHERE name = $1
