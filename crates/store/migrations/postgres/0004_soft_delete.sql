-- Schema version 4 (as migrations/sqlite/0004_soft_delete.sql): soft-deleted leads and per-lead job history.
-- A deleted lead keeps its data, sources and results; `deleted_at` (RFC 3339 text, like `created_at`) hides it
-- from lookups, listings and counts until a re-import of one of its rows brings it back (NULL again).

ALTER TABLE leads ADD COLUMN deleted_at TEXT;

-- A lead's jobs, oldest first (its history), and cancelling its ready jobs on delete.
CREATE INDEX jobs_lead ON jobs(lead_id, id);
