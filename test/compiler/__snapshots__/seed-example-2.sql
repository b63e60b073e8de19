SELECT
  count() AS count
FROM
  users AS u FINAL
WHERE
  u.project = {p0:String}
  AND (
    /* /conditions/0 */
    NOT (u.id = '')
    AND (
      /* /conditions/1/conditions/0 */
      NOT (
        (
          u.name IS NULL
          OR u.name = ''
        )
      )
      OR /* /conditions/1/conditions/1 */ NOT (
        (
          u.email IS NULL
          OR u.email = ''
        )
      )
      OR /* /conditions/1/conditions/2 */ NOT (
        (
          dynamicType(u.attributes.{p1:Identifier}) = 'None'
          OR ifNull(
            dynamicElement(u.attributes.{p1:Identifier}, 'String') = '',
            false
          )
          OR (
            (
              dynamicType(u.attributes.{p1:Identifier}) IN ('Array(Nullable(String))', 'Array(String)')
            )
            AND empty(
              if(
                dynamicType(u.attributes.{p1:Identifier}) = 'Array(String)',
                dynamicElement(u.attributes.{p1:Identifier}, 'Array(String)'),
                arrayMap(
                  x -> ifNull(x, ''),
                  dynamicElement(
                    u.attributes.{p1:Identifier},
                    'Array(Nullable(String))'
                  )
                )
              )
            )
          )
        )
      )
    )
  )

-- params: {"p0":"demo","p1":"external_email"}
