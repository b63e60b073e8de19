-- SPEC §2: property keys are 1 to 128 characters. The API checks them; a bulk
-- load, parsed by the engine, was checked only for flat paths and value types,
-- so it stored empty and over-long keys. Keys are stored encoded ('%' → %25, '.' → %2E,
-- model/keys.ts): each escape counts as the one character it stands for
-- (looked at only for a path that is long as stored).
-- A null inside a list is not looked for: the JSON column's text, the one way
-- into a list at an unnamed path, costs 7 times the whole check.
ALTER TABLE events DROP CONSTRAINT IF EXISTS properties_flat, ADD CONSTRAINT IF NOT EXISTS properties_flat CHECK NOT arrayExists((path, type) -> path = '' OR position(path, '.') > 0 OR (lengthUTF8(path) > 128 AND lengthUTF8(replaceRegexpAll(path, '%(25|2E)', '_')) > 128) OR type NOT IN ('String', 'Int64', 'UInt64', 'Float64', 'Bool', 'Array(Nullable(String))'), mapKeys(JSONAllPathsWithTypes(properties)), mapValues(JSONAllPathsWithTypes(properties)));
