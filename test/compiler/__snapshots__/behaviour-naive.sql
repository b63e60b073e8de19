SELECT
  count() AS count
FROM
  users AS u FINAL
WHERE
  u.project = {p0:String}
  AND (
    /* /conditions/0 */
    u.id IN (
      SELECT
        user_id
      FROM
        events
      WHERE
        project = {p0:String}
        AND source = {p1:String}
        AND event = {p2:String}
        AND ifNull(
          dynamicElement(properties.{p3:Identifier}, 'String') = {p4:String},
          false
        )
        AND timestamp >= {p5:DateTime64(3, 'UTC')}
        AND timestamp <= {p6:DateTime64(3, 'UTC')}
      GROUP BY
        user_id
      HAVING
        ifNull(
          ifNull(toFloat64(count()), 0) >= {p7:Float64},
          false
        )
    )
    AND /* /conditions/1 */ u.id NOT IN (
      SELECT
        user_id
      FROM
        events
      WHERE
        project = {p0:String}
        AND source = {p1:String}
        AND event = {p8:String}
      GROUP BY
        user_id
      HAVING
        NOT (
          ifNull(
            ifNull(toFloat64(count()), 0) = {p9:Float64},
            false
          )
        )
    )
    AND (
      /* /conditions/2/conditions/0 */
      u.id IN (
        SELECT
          user_id
        FROM
          answers
        WHERE
          project = {p0:String}
          AND experience = {p10:String}
          AND step = {p11:String}
        GROUP BY
          user_id
        HAVING
          true
          AND ifNull(
            reinterpretAsFloat64(
              bitXor(
                toUInt64(
                  bitAnd(
                    max(
                      bitOr(
                        bitShiftLeft(
                          toUInt128(
                            toUInt64(
                              toUnixTimestamp64Milli(timestamp) + 1152921504606846976
                            )
                          ),
                          64
                        ),
                        toUInt128(
                          bitXor(
                            reinterpretAsUInt64(
                              ifNull(
                                coalesce(
                                  toFloat64(dynamicElement(value, 'Int64')),
                                  toFloat64(dynamicElement(value, 'UInt64')),
                                  dynamicElement(value, 'Float64')
                                ),
                                nan
                              )
                            ),
                            reinterpretAsUInt64(nan)
                          )
                        )
                      )
                    ),
                    toUInt128(18446744073709551615)
                  )
                ),
                reinterpretAsUInt64(nan)
              )
            ) >= {p12:Float64},
            false
          )
      )
      OR /* /conditions/2/conditions/1 */ u.id IN (
        SELECT
          user_id
        FROM
          interactions
        WHERE
          project = {p0:String}
          AND experience = {p13:String}
          AND interaction = {p14:String}
          AND timestamp >= {p15:DateTime64(3, 'UTC')}
          AND timestamp <= {p6:DateTime64(3, 'UTC')}
        GROUP BY
          user_id
        HAVING
          true
      )
    )
    AND /* /conditions/3 */ u.id IN (
      SELECT
        u.id
      FROM
        users AS u FINAL
      WHERE
        u.project = {p0:String}
        AND ifNull(
          has(
            {p16:Array(String)},
            dynamicElement(u.traits.{p17:Identifier}, 'String')
          ),
          false
        )
    )
    AND NOT /* /conditions/4/conditions/0 */ u.id IN (
      SELECT
        user_id
      FROM
        events
      WHERE
        project = {p0:String}
        AND source = {p1:String}
        AND event = {p18:String}
      GROUP BY
        user_id
      HAVING
        ifNull(
          ifNull(
            toFloat64(
              uniqUpTo(20) (
                toUInt32(
                  intDiv(
                    toUnixTimestamp64Milli(timestamp) + 62135596800000,
                    86400000
                  )
                )
              )
            ),
            0
          ) >= {p19:Float64},
          false
        )
    )
  )

-- params: {"p0":"demo","p1":"api","p2":"purchase","p3":"plan","p4":"pro","p5":"2026-05-16 12:00:00.000","p6":"2026-06-15 12:00:00.000","p7":3,"p8":"account_deleted","p9":0,"p10":"nps_q1","p11":"score","p12":9,"p13":"tour_1","p14":"completed","p15":"2026-03-15 12:00:00.000","p16":["Paris","Lyon"],"p17":"address%2Ecity","p18":"login","p19":20}
