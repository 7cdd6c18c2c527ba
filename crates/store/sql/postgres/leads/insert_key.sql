INSERT INTO lead_keys (key, lead_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING
