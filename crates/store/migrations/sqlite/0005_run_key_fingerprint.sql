-- Schema version 5: what a client's idempotency key was first used for. `key_fingerprint` is a hash of the
-- request that created a keyed run, so that the key sent again with another request is refused rather than
-- answered with a run that was asked for something else. NULL for runs without a key or from before.

ALTER TABLE runs ADD COLUMN key_fingerprint TEXT;
