-- A request under an Idempotency-Key holds the key with a lease its server renews while
-- it answers. A retry may take over a key whose lease lapsed (the server died mid-way)
-- within seconds, where a fixed age made the client wait five minutes. NULL once
-- answered; rows in progress from before this migration count as lapsed.
ALTER TABLE idempotency_keys ADD COLUMN held_until timestamptz;
