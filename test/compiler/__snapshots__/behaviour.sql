WITH
  event_measures AS (
    SELECT
      user_key,
      /* /conditions/0 */
      countIf (
        source = {p0:String}
        AND event = {p1:String}
        AND ifNull(
          dynamicElement(properties.{p2:Identifier}, 'String') = {p3:String},
          false
        )
        AND timestamp >= {p4:DateTime64(3, 'UTC')}
        AND timestamp <= {p5:DateTime64(3, 'UTC')}
      ) AS m0
    FROM
      events
    WHERE
      project = {p6:String}
      AND (
        (
          source = {p0:String}
          AND event = {p1:String}
          AND ifNull(
            dynamicElement(properties.{p2:Identifier}, 'String') = {p3:String},
            false
          )
          AND timestamp >= {p4:DateTime64(3, 'UTC')}
          AND timestamp <= {p5:DateTime64(3, 'UTC')}
        )
      )
    GROUP BY
      user_key
  ),
  event_measures_1 AS (
    SELECT
      user_key,
      /* /conditions/4/conditions/0 */
      uniqUpToIf (20) (
        toUInt32(
          intDiv(
            toUnixTimestamp64Milli(timestamp) + 62135596800000,
            86400000
          )
        ),
        source = {p0:String}
        AND event = {p7:String}
      ) AS m0
    FROM
      events
    WHERE
      project = {p6:String}
      AND (
        (
          source = {p0:String}
          AND event = {p7:String}
        )
      )
    GROUP BY
      user_key
  )
SELECT
  count() AS count
FROM
  (
    SELECT
      id,
      user_key,
      /* /conditions/1 */
      u.user_key NOT IN (
        SELECT
          user_key
        FROM
          events
        WHERE
          project = {p6:String}
          AND source = {p0:String}
          AND event = {p8:String}
      ) AS c0,
      /* /conditions/2/conditions/0 */
      u.user_key IN (
        SELECT
          user_key
        FROM
          answers
        WHERE
          project = {p6:String}
          AND experience = {p9:String}
          AND step = {p10:String}
        GROUP BY
          user_key
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
            ) >= {p11:Float64},
            false
          )
      ) AS c1,
      /* /conditions/2/conditions/1 */
      u.user_key IN (
        SELECT
          user_key
        FROM
          interactions
        WHERE
          project = {p6:String}
          AND experience = {p12:String}
          AND interaction = {p13:String}
          AND timestamp >= {p14:DateTime64(3, 'UTC')}
          AND timestamp <= {p5:DateTime64(3, 'UTC')}
      ) AS c2,
      /* /conditions/3 */
      ifNull(
        has(
          {p15:Array(String)},
          dynamicElement(u.traits.{p16:Identifier}, 'String')
        ),
        false
      ) AS c3
    FROM
      users AS u FINAL
    WHERE
      u.project = {p6:String}
  ) AS u
  LEFT JOIN event_measures AS e ON e.user_key = u.user_key
  LEFT JOIN event_measures_1 AS e1 ON e1.user_key = u.user_key
WHERE
  (
    /* /conditions/0 */
    (
      ifNull(
        ifNull(toFloat64(e.m0), 0) >= {p17:Float64},
        false
      )
    )
    AND /* /conditions/1 */ u.c0
    AND (
      /* /conditions/2/conditions/0 */
      u.c1
      OR /* /conditions/2/conditions/1 */ u.c2
    )
    AND /* /conditions/3 */ u.c3
    AND /* /conditions/4/conditions/0 */ (
      ifNull(
        ifNull(toFloat64(e1.m0), 0) < {p18:Float64},
        false
      )
    )
  )

-- params: {"p0":"api","p1":"purchase","p2":"plan","p3":"pro","p4":"2026-05-16 12:00:00.000","p5":"2026-06-15 12:00:00.000","p6":"demo","p7":"login","p8":"account_deleted","p9":"nps_q1","p10":"score","p11":9,"p12":"tour_1","p13":"completed","p14":"2026-03-15 12:00:00.000","p15":["Paris","Lyon"],"p16":"address%2Ecity","p17":3,"p18":20}
