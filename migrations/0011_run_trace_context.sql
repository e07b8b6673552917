-- The W3C trace context of the request that queued a run, so the worker that executes
-- it (possibly another process) continues the same trace. Empty when tracing is off.
-- Added without a default (instant on a large table) and the check NOT VALID (no scan
-- under the table lock): old rows have no value to check, new ones are checked.
ALTER TABLE runs ADD COLUMN traceparent text;
ALTER TABLE runs ADD CONSTRAINT runs_traceparent_format
    CHECK (traceparent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$') NOT VALID;
