-- The catalog: what the condition builder can offer a project (GET /v1/catalog),
-- kept up to date on insert by materialized views, so reading it never scans
-- the facts. Each view aggregates within the inserted block; ReplacingMergeTree
-- folds repeats across blocks. Entries are "seen at least once": a key later
-- deleted from every user stays listed.

CREATE TABLE IF NOT EXISTS catalog_keys
(
    project LowCardinality(String),
    kind    LowCardinality(String),   -- attribute | trait
    key     String,                   -- encoded as stored (model/keys.ts)
    type    LowCardinality(String)    -- the JSON type seen: String, Int64, Float64, Bool, Array(Nullable(String)) …
)
ENGINE = ReplacingMergeTree
ORDER BY (project, kind, key, type);

CREATE MATERIALIZED VIEW IF NOT EXISTS catalog_keys_from_users TO catalog_keys AS
SELECT project, kind, key, type
FROM
(
    SELECT project, 'attribute' AS kind, JSONAllPathsWithTypes(attributes) AS paths FROM users WHERE is_deleted = 0
    UNION ALL
    SELECT project, 'trait' AS kind, JSONAllPathsWithTypes(traits) AS paths FROM users WHERE is_deleted = 0
)
ARRAY JOIN mapKeys(paths) AS key, mapValues(paths) AS type
GROUP BY project, kind, key, type;

CREATE TABLE IF NOT EXISTS catalog_events
(
    project LowCardinality(String),
    source  LowCardinality(String),
    event   String,
    key     String,                   -- '' for the event itself; else a property key, encoded
    type    LowCardinality(String)
)
ENGINE = ReplacingMergeTree
ORDER BY (project, source, event, key, type);

CREATE MATERIALIZED VIEW IF NOT EXISTS catalog_events_from_events TO catalog_events AS
SELECT project, source, toString(event) AS event, key, type
FROM events
ARRAY JOIN arrayConcat([''], mapKeys(JSONAllPathsWithTypes(properties))) AS key,
           arrayConcat([''], mapValues(JSONAllPathsWithTypes(properties))) AS type
GROUP BY project, source, event, key, type;

CREATE TABLE IF NOT EXISTS catalog_experiences
(
    project    LowCardinality(String),
    experience String,
    step       String,                -- '' for interactions; else an answered step
    type       LowCardinality(String) -- the interaction, or the answer's value type
)
ENGINE = ReplacingMergeTree
ORDER BY (project, experience, step, type);

CREATE MATERIALIZED VIEW IF NOT EXISTS catalog_experiences_from_interactions TO catalog_experiences AS
SELECT project, toString(experience) AS experience, '' AS step, toString(interaction) AS type
FROM interactions
GROUP BY project, experience, interaction;

CREATE MATERIALIZED VIEW IF NOT EXISTS catalog_experiences_from_answers TO catalog_experiences AS
SELECT project, toString(experience) AS experience, toString(step) AS step, dynamicType(value) AS type
FROM answers
GROUP BY project, experience, step, type;

-- Data that arrived before this migration.
INSERT INTO catalog_keys
SELECT project, kind, key, type
FROM
(
    SELECT project, 'attribute' AS kind, JSONAllPathsWithTypes(attributes) AS paths FROM users FINAL
    UNION ALL
    SELECT project, 'trait' AS kind, JSONAllPathsWithTypes(traits) AS paths FROM users FINAL
)
ARRAY JOIN mapKeys(paths) AS key, mapValues(paths) AS type
GROUP BY project, kind, key, type;

INSERT INTO catalog_events
SELECT project, source, toString(event) AS event, key, type
FROM events
ARRAY JOIN arrayConcat([''], mapKeys(JSONAllPathsWithTypes(properties))) AS key,
           arrayConcat([''], mapValues(JSONAllPathsWithTypes(properties))) AS type
GROUP BY project, source, event, key, type;

INSERT INTO catalog_experiences
SELECT project, toString(experience), '', toString(interaction) FROM interactions GROUP BY project, experience, interaction;

INSERT INTO catalog_experiences
SELECT project, toString(experience), toString(step), dynamicType(value) FROM answers GROUP BY project, experience, step, dynamicType(value);
