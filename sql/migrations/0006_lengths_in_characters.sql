-- SPEC §2 limits ids (and names of events, experiences and steps) in
-- characters; length() counts bytes, so an id of 256 characters outside ASCII
-- was refused. lengthUTF8 counts code points, as the API's JSON Schema does.
-- Each statement replaces one constraint in place (rerunning it is harmless).
ALTER TABLE users DROP CONSTRAINT IF EXISTS id_length, ADD CONSTRAINT IF NOT EXISTS id_length CHECK lengthUTF8(id) BETWEEN 1 AND 256;

ALTER TABLE events DROP CONSTRAINT IF EXISTS user_id_length, ADD CONSTRAINT IF NOT EXISTS user_id_length CHECK lengthUTF8(user_id) BETWEEN 1 AND 256;

ALTER TABLE events DROP CONSTRAINT IF EXISTS event_named, ADD CONSTRAINT IF NOT EXISTS event_named CHECK lengthUTF8(event) BETWEEN 1 AND 256;

ALTER TABLE interactions DROP CONSTRAINT IF EXISTS user_id_length, ADD CONSTRAINT IF NOT EXISTS user_id_length CHECK lengthUTF8(user_id) BETWEEN 1 AND 256;

ALTER TABLE interactions DROP CONSTRAINT IF EXISTS experience_named, ADD CONSTRAINT IF NOT EXISTS experience_named CHECK lengthUTF8(experience) BETWEEN 1 AND 256;

ALTER TABLE answers DROP CONSTRAINT IF EXISTS user_id_length, ADD CONSTRAINT IF NOT EXISTS user_id_length CHECK lengthUTF8(user_id) BETWEEN 1 AND 256;

ALTER TABLE answers DROP CONSTRAINT IF EXISTS experience_named, ADD CONSTRAINT IF NOT EXISTS experience_named CHECK lengthUTF8(experience) BETWEEN 1 AND 256;

ALTER TABLE answers DROP CONSTRAINT IF EXISTS step_named, ADD CONSTRAINT IF NOT EXISTS step_named CHECK lengthUTF8(step) BETWEEN 1 AND 256;
