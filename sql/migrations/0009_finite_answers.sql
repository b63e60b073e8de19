-- SPEC §2: an answer's value is a string, a (finite) number or a string[].
-- A bulk load of `"value": 1e400` was stored as +inf, which the API refuses.
ALTER TABLE answers DROP CONSTRAINT IF EXISTS value_typed, ADD CONSTRAINT IF NOT EXISTS value_typed CHECK dynamicType(value) IN ('String', 'Int64', 'UInt64', 'Float64', 'Array(String)', 'Array(Nullable(String))') AND (dynamicType(value) != 'Float64' OR isFinite(ifNull(value.Float64, 0)));
