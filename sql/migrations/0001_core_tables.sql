-- Segments core schema. Every per-user table starts its ORDER BY with project
-- and keeps all rows of one user together, so it can be sharded by
-- cityHash64(project, user id) without changing a query (see README.md here).

-- Latest-state user profiles. Every write appends the whole merged profile with
-- a higher version; ReplacingMergeTree keeps the newest row per (project, id),
-- and is_deleted = 1 marks a deletion (a tombstone that FINAL drops).
CREATE TABLE IF NOT EXISTS users
(
    project          LowCardinality(String),
    id               String,
    name             Nullable(String),
    email            Nullable(String),
    language         Nullable(String),
    created_at       Nullable(DateTime64(3, 'UTC')),
    first_seen_at    Nullable(DateTime64(3, 'UTC')),
    last_activity_at Nullable(DateTime64(3, 'UTC')),
    sessions         Nullable(UInt64),
    tags             Array(String),
    -- tags is an Array (never NULL in ClickHouse): this says whether it was ever sent.
    has_tags         Bool DEFAULT 0,
    -- Custom attributes (SDK, imports) and Segment.io traits. Keys are stored
    -- encoded ('%' -> %25, '.' -> %2E) so any key is one flat JSON path.
    attributes       JSON,
    traits           JSON,
    version          UInt64,
    is_deleted       UInt8 DEFAULT 0,
    written_at       DateTime64(3, 'UTC') DEFAULT now64(3),
    CONSTRAINT id_length CHECK length(id) BETWEEN 1 AND 256
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (project, id);

-- Behavioural events, append-only. Event conditions filter by
-- (project, source, event) and a time range, then aggregate per user: that is
-- the sort key, with the user next so per-user aggregation streams in order.
CREATE TABLE IF NOT EXISTS events
(
    project    LowCardinality(String),
    user_id    String,
    source     LowCardinality(String),
    event      LowCardinality(String),
    timestamp  DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    properties JSON,
    CONSTRAINT user_id_length CHECK length(user_id) BETWEEN 1 AND 256,
    CONSTRAINT source_known CHECK source IN ('jimo', 'segmentio', 'posthog', 'api'),
    CONSTRAINT event_named CHECK length(event) BETWEEN 1 AND 256,
    CONSTRAINT timestamp_given CHECK timestamp != 0,
    -- Keys are flat (encoded dots) and values string, number, boolean or string[].
    CONSTRAINT properties_flat CHECK NOT arrayExists(
        (path, type) -> position(path, '.') > 0
            OR type NOT IN ('String', 'Int64', 'UInt64', 'Float64', 'Bool', 'Array(Nullable(String))'),
        mapKeys(JSONAllPathsWithTypes(properties)), mapValues(JSONAllPathsWithTypes(properties)))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project, source, event, user_id, timestamp);

-- Experience interactions (seen / completed / dismissed), append-only.
CREATE TABLE IF NOT EXISTS interactions
(
    project     LowCardinality(String),
    user_id     String,
    experience  LowCardinality(String),
    interaction LowCardinality(String),
    timestamp   DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    CONSTRAINT user_id_length CHECK length(user_id) BETWEEN 1 AND 256,
    CONSTRAINT experience_named CHECK length(experience) BETWEEN 1 AND 256,
    CONSTRAINT interaction_known CHECK interaction IN ('seen', 'completed', 'dismissed'),
    CONSTRAINT timestamp_given CHECK timestamp != 0
)
ENGINE = MergeTree
ORDER BY (project, experience, interaction, user_id, timestamp);

-- Survey answers, append-only; a user's latest answer to a step is
-- argMax(value, timestamp). value keeps its JSON type: String, a number
-- (Int64 / UInt64 / Float64) or an array of strings (Array(String)).
CREATE TABLE IF NOT EXISTS answers
(
    project    LowCardinality(String),
    user_id    String,
    experience LowCardinality(String),
    step       LowCardinality(String),
    value      Dynamic(max_types = 8),
    timestamp  DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    CONSTRAINT user_id_length CHECK length(user_id) BETWEEN 1 AND 256,
    CONSTRAINT experience_named CHECK length(experience) BETWEEN 1 AND 256,
    CONSTRAINT step_named CHECK length(step) BETWEEN 1 AND 256,
    CONSTRAINT value_typed CHECK dynamicType(value) IN ('String', 'Int64', 'UInt64', 'Float64', 'Array(String)', 'Array(Nullable(String))'),
    CONSTRAINT timestamp_given CHECK timestamp != 0
)
ENGINE = MergeTree
ORDER BY (project, experience, step, user_id, timestamp);

-- Saved segments: the current definition of each (latest version wins).
CREATE TABLE IF NOT EXISTS segments
(
    project     LowCardinality(String),
    id          String,
    name        String,
    description String,
    badge       String,          -- JSON text: { icon?, label?, color? }
    conditions  String,          -- JSON text of the condition tree
    created_at  DateTime64(3, 'UTC'),
    created_by  Nullable(String),
    updated_at  DateTime64(3, 'UTC'),
    updated_by  Nullable(String),
    version     UInt32,
    is_deleted  UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (project, id);

-- Every saved version of every segment, kept forever: inspect and undo edits.
CREATE TABLE IF NOT EXISTS segment_versions
(
    project     LowCardinality(String),
    segment_id  String,
    version     UInt32,
    name        String,
    description String,
    badge       String,
    conditions  String,
    saved_at    DateTime64(3, 'UTC'),
    saved_by    Nullable(String),
    deleted     UInt8 DEFAULT 0
)
ENGINE = MergeTree
ORDER BY (project, segment_id, version);

-- CSV imports and their outcome.
CREATE TABLE IF NOT EXISTS imports
(
    project     LowCardinality(String),
    id          String,
    created_at  DateTime64(3, 'UTC'),
    identifier  LowCardinality(String),
    filename    Nullable(String),
    added       UInt32,
    updated     UInt32,
    rejected    UInt32,
    rejects     String,           -- JSON text: [{ row, reason }]
    user_ids    Array(String),
    segment_id  Nullable(String)
)
ENGINE = MergeTree
ORDER BY (project, created_at, id);
