-- The gateway's response cache: calls answered from it, and what the provider would
-- have charged for them. Older releases write neither column (both default to 0).
ALTER TABLE usage_daily
    ADD COLUMN cache_hits bigint NOT NULL DEFAULT 0,
    ADD COLUMN cost_saved_micro_usd bigint NOT NULL DEFAULT 0;
