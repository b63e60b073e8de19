-- A user's events in one place: a projection of events sorted by
-- (project, user_id, …). Evaluating saved segments for one user
-- (GET /v1/users/:id) filters by project and user id; the engine then reads
-- this projection — one granule or so per part — instead of a granule per
-- (source, event) pair and month of the main sort order. It doubles the
-- events' storage and insert work; measured in docs/benchmarks.md.
ALTER TABLE events ADD PROJECTION IF NOT EXISTS by_user
(
    SELECT *
    ORDER BY project, user_id, source, event, timestamp
);

ALTER TABLE events MATERIALIZE PROJECTION by_user SETTINGS mutations_sync = 1;

-- Lightweight deletes (e.g. clearing a benchmark project) rebuild the projection of the parts they touch.
ALTER TABLE events MODIFY SETTING lightweight_mutation_projection_mode = 'rebuild';
