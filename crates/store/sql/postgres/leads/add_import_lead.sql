INSERT INTO import_leads (import_id, lead_id) VALUES ($1, $2) ON CONFLICT DO NOTHING
