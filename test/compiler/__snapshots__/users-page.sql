SELECT
  u.id,
  u.name,
  u.email,
  u.language,
  u.created_at,
  u.first_seen_at,
  u.last_activity_at,
  u.sessions,
  if(u.has_tags, u.tags, NULL) AS tags,
  u.attributes,
  u.traits
FROM
  users AS u FINAL
WHERE
  u.project = {p0:String}
  AND /* /conditions/0 */ NOT (
    (
      u.email IS NULL
      OR u.email = ''
    )
  )
  AND (
    u.last_activity_at IS NULL
    OR u.last_activity_at < {p1:DateTime64(3, 'UTC')}
    OR (
      u.last_activity_at = {p1:DateTime64(3, 'UTC')}
      AND u.id > {p2:String}
    )
  )
ORDER BY
  isNull(u.last_activity_at) ASC,
  u.last_activity_at DESC,
  u.id ASC
LIMIT
  51

-- params: {"p0":"demo","p1":"2026-06-01 10:00:00.000","p2":"u42"}
