SELECT
  count() AS count
FROM
  (
    /* /conditions/1 */
    SELECT
      user_key
    FROM
      events
    WHERE
      project = {p0:String}
      AND source = {p1:String}
      AND event = {p2:String}
    GROUP BY
      user_key
    HAVING
      ifNull(
        ifNull(toFloat64(count()), 0) >= {p3:Float64},
        false
      )
  ) AS set_users
  RIGHT SEMI JOIN (
    SELECT
      u.id,
      u.user_key
    FROM
      users AS u FINAL
    WHERE
      u.project = {p0:String}
      AND (
        /* /conditions/0 */
        ifNull(
          dynamicElement(u.attributes.{p4:Identifier}, 'String') = {p5:String},
          false
        )
        AND /* /conditions/2 */ u.user_key IN (
          SELECT
            user_key
          FROM
            events
          WHERE
            project = {p0:String}
            AND source = {p6:String}
            AND event = {p7:String}
        )
      )
  ) AS u ON u.user_key = set_users.user_key
WHERE
  true
SETTINGS
  query_plan_join_swap_table = false

-- params: {"p0":"demo","p1":"jimo","p2":"page_view","p3":3,"p4":"plan","p5":"pro","p6":"api","p7":"purchase"}
