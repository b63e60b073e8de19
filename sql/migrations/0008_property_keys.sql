-- SPEC §2: property keys are 1 to 128 characters and list values hold
-- strings. The API checks both; a bulk load, parsed by the engine, was checked
-- only for flat paths and value types, so it stored empty and over-long keys
-- and nulls inside lists. Keys are stored encoded ('%' → %25, '.' → %2E,
-- model/keys.ts): each escape counts as the one character it stands for.
-- A list is looked into only when the row has one: with its strings removed,
-- its JSON text has a null only inside a list (a top-level null is no key).
ALTER TABLE events DROP CONSTRAINT IF EXISTS properties_flat, ADD CONSTRAINT IF NOT EXISTS properties_flat CHECK NOT arrayExists((path, type) -> path = '' OR position(path, '.') > 0 OR lengthUTF8(replaceRegexpAll(path, '%(25|2E)', '_')) > 128 OR type NOT IN ('String', 'Int64', 'UInt64', 'Float64', 'Bool', 'Array(Nullable(String))'), mapKeys(JSONAllPathsWithTypes(properties)), mapValues(JSONAllPathsWithTypes(properties))) AND NOT if(has(mapValues(JSONAllPathsWithTypes(properties)), 'Array(Nullable(String))'), position(replaceRegexpAll(toJSONString(properties), '"(?:[^"\\\\]|\\\\.)*"', '""'), 'null') > 0, false);
