CREATE TABLE IF NOT EXISTS leadsmith_migrations (version INT PRIMARY KEY, applied_at TEXT NOT NULL)
