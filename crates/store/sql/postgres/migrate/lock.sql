-- Held until the migrating transaction ends, per schema: many workers starting at once apply each
-- migration exactly once, and the others wait and then see it applied.
SELECT pg_advisory_xact_lock(hashtext('leadsmith_migrations:' || coalesce(current_schema(), '')))
