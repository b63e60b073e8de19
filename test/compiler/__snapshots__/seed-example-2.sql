SELECT
  count() AS count
FROM
  users AS u FINAL
WHERE
  u.project = {p0:String}
  AND (
    /* /conditions/0 */
    NOT ifNull(u.id = '', false)
    AND (
      /* /conditions/1/conditions/0 */
      NOT ifNull(
        (
          u.name IS NULL
          OR u.name = ''
        ),
        false
      )
      OR /* /conditions/1/conditions/1 */ NOT ifNull(
        (
          u.email IS NULL
          OR u.email = ''
        ),
        false
      )
      OR /* /conditions/1/conditions/2 */ NOT ifNull(
        (
          dynamicType(getSubcolumn(u.attributes, {p1:String})) = 'None'
          OR ifNull(
            dynamicElement(getSubcolumn(u.attributes, {p1:String}), 'String') = '',
            false
          )
          OR (
            (
              dynamicType(getSubcolumn(u.attributes, {p1:String})) IN ('Array(Nullable(String))', 'Array(String)')
            )
            AND empty(
              if(
                dynamicType(getSubcolumn(u.attributes, {p1:String})) = 'Array(String)',
                dynamicElement(
                  getSubcolumn(u.attributes, {p1:String}),
                  'Array(String)'
                ),
                arrayMap(
                  x -> ifNull(x, ''),
                  dynamicElement(
                    getSubcolumn(u.attributes, {p1:String}),
                    'Array(Nullable(String))'
                  )
                )
              )
            )
          )
        ),
        false
      )
    )
  )

-- params: {"p0":"demo","p1":"external_email"}
