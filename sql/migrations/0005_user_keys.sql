-- Users are matched on a 128-bit hash of their id (compiler/plan.ts). Stored
-- once at ingestion, a set or a per-user pass reads 16 fixed bytes instead of
-- reading and hashing each id string again: at 1 M users with UUID ids,
-- "performed" 58 → 42 ms, "seen, not completed" 63 → 51 ms. One user's
-- membership still hashes its few rows, so the by_user projection (which
-- predates the column) keeps serving it. Existing parts get the column
-- written once here.
ALTER TABLE users ADD COLUMN IF NOT EXISTS user_key UInt128 MATERIALIZED xxh3_128(id);

ALTER TABLE events ADD COLUMN IF NOT EXISTS user_key UInt128 MATERIALIZED xxh3_128(user_id);

ALTER TABLE interactions ADD COLUMN IF NOT EXISTS user_key UInt128 MATERIALIZED xxh3_128(user_id);

ALTER TABLE answers ADD COLUMN IF NOT EXISTS user_key UInt128 MATERIALIZED xxh3_128(user_id);

ALTER TABLE users MATERIALIZE COLUMN user_key SETTINGS mutations_sync = 1;

ALTER TABLE events MATERIALIZE COLUMN user_key SETTINGS mutations_sync = 1;

ALTER TABLE interactions MATERIALIZE COLUMN user_key SETTINGS mutations_sync = 1;

ALTER TABLE answers MATERIALIZE COLUMN user_key SETTINGS mutations_sync = 1;
