SELECT
  u.id AS user_id
FROM
  users AS u FINAL
WHERE
  u.project = {p0:String}
  AND /* /conditions/0 */ ifNull(
    u.created_at >= {p1:DateTime64(3, 'UTC')}
    AND u.created_at <= {p2:DateTime64(3, 'UTC')},
    false
  )

-- params: {"p0":"demo","p1":"2026-06-08 12:00:00.000","p2":"2026-06-15 12:00:00.000"}
