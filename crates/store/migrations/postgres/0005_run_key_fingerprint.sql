-- Schema version 5 (as migrations/sqlite/0005_run_key_fingerprint.sql): what a client's idempotency key was
-- first used for. `key_fingerprint` is a hash of the request that created a keyed run, so that the key sent
-- again with another request is refused rather than answered with a run that was asked for something else.

ALTER TABLE runs ADD COLUMN key_fingerprint TEXT;
