-- A row's timestamp is required: a bulk load line without one got the column's
-- default, 0, which the timestamp_given check refused — and with it every
-- event, interaction and answer at 1970-01-01T00:00:00.000Z, a real instant.
-- The default is now 0000-12-31T23:59:59.999Z, an instant the API and the
-- loader never produce (they take the years 0001–9999), and the check refuses
-- that instead. Rerunning a statement is harmless.
ALTER TABLE events MODIFY COLUMN timestamp DEFAULT fromUnixTimestamp64Milli(-62135596800001, 'UTC');

ALTER TABLE events DROP CONSTRAINT IF EXISTS timestamp_given, ADD CONSTRAINT IF NOT EXISTS timestamp_given CHECK timestamp != fromUnixTimestamp64Milli(-62135596800001, 'UTC');

ALTER TABLE interactions MODIFY COLUMN timestamp DEFAULT fromUnixTimestamp64Milli(-62135596800001, 'UTC');

ALTER TABLE interactions DROP CONSTRAINT IF EXISTS timestamp_given, ADD CONSTRAINT IF NOT EXISTS timestamp_given CHECK timestamp != fromUnixTimestamp64Milli(-62135596800001, 'UTC');

ALTER TABLE answers MODIFY COLUMN timestamp DEFAULT fromUnixTimestamp64Milli(-62135596800001, 'UTC');

ALTER TABLE answers DROP CONSTRAINT IF EXISTS timestamp_given, ADD CONSTRAINT IF NOT EXISTS timestamp_given CHECK timestamp != fromUnixTimestamp64Milli(-62135596800001, 'UTC');
