-- Dedupe reads keys and then writes them: two imports at once could both create the same business.
-- SQLite runs imports one at a time; so do we, per schema, until the transaction ends.
SELECT pg_advisory_xact_lock(hashtext('leadsmith_import:' || coalesce(current_schema(), '')))
