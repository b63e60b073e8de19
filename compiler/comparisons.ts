/**
 * Each rule of SPEC §3.2 in one place: how a comparison reads a value of its
 * type (rule 1), how negatives complement positives exactly (rule 2), what
 * empty means (rule 3), case (rule 4), dates (rule 5) and numbers (rule 6).
 *
 * A field says how its values read as each type (`FieldValues`); the
 * comparison picks the type it looks at. Every predicate built here is a
 * non-NULL boolean, so `NOT` of a positive is its exact complement.
 */
import { FIRST_INSTANT, LAST_INSTANT, toWarehouseTime, UTC_OFFSET } from '../model/time.js';
import { FALSE, join, param, sql, TRUE, type Sql } from './sql.js';
import * as time from './time.js';
import type { Comparison } from './tree.js';

/** How one field's value reads as each type; undefined where it can never be of that type. */
export interface FieldValues {
  /** Nullable(String): the value when it is a string. */
  string?: Sql;
  /** Nullable(Float64): the value when it is a finite number. */
  number?: Sql;
  /** Nullable(Bool) */
  boolean?: Sql;
  /** Nullable(DateTime64(3, 'UTC')): the value when it is a date or timestamp. */
  date?: Sql;
  /**
   * Whether the value is a list, and its items as Array(String). `variants`, when given, are the
   * items of each stored list type, empty when the value is of another: a membership test can read
   * them one by one, without asking the value's type.
   */
  list?: { present: Sql; items: Sql; variants?: readonly Sql[] };
  /** Missing, null, "" or [] (rule 3). */
  empty: Sql;
}

const NEGATIVES = {
  is_not: 'is', not_contains: 'contains', not_in: 'in', neq: 'eq', excludes: 'includes', is_not_empty: 'is_empty',
} as const;

/** The predicate of a comparison on a field, never NULL. */
export function compare(values: FieldValues, c: Comparison, nowMs: number): Sql {
  const positive = NEGATIVES[c.operator as keyof typeof NEGATIVES];
  if (positive) return sql`NOT ${compare(values, { ...c, operator: positive } as Comparison, nowMs)}`;
  // Emptiness and list tests are never NULL; elsewhere a value of another type gives NULL, read as
  // false. (An ifNull the engine cannot see through keeps it from splitting the predicate: a
  // list condition at 1 M users 71 → 50 ms without it.)
  const positiveSql = positiveCompare(values, c, nowMs);
  return c.type === 'empty' || c.type === 'list' ? sql`(${positiveSql})` : sql`ifNull(${positiveSql}, false)`;
}

/** Whether a positive comparison holds, or NULL when the value is not of the comparison's type. */
function positiveCompare(values: FieldValues, c: Comparison, nowMs: number): Sql {
  switch (c.type) {
    case 'empty':
      return values.empty;
    case 'string': {
      const s = values.string;
      if (!s) return sql`false`;
      switch (c.operator) {
        case 'is': return sql`${s} = ${param(c.value, 'String')}`;
        case 'in': return sql`has(${param([...c.value], 'Array(String)')}, ${s})`;
        // Rule 4: these ignore case; position/startsWith/endsWith take `%`, `_` and `\` literally.
        case 'contains': return sql`position(lowerUTF8(${s}), lowerUTF8(${param(c.value, 'String')})) > 0`;
        case 'starts_with': return sql`startsWith(lowerUTF8(${s}), lowerUTF8(${param(c.value, 'String')}))`;
        case 'ends_with': return sql`endsWith(lowerUTF8(${s}), lowerUTF8(${param(c.value, 'String')}))`;
      }
      break;
    }
    case 'number': {
      const n = values.number;
      if (!n) return sql`false`;
      if (c.operator === 'between') return sql`${n} BETWEEN ${param(c.value[0], 'Float64')} AND ${param(c.value[1], 'Float64')}`;
      return sql`${n} ${sql.raw(NUMBER_SYMBOLS[c.operator as keyof typeof NUMBER_SYMBOLS])} ${param(c.value as number, 'Float64')}`;
    }
    case 'boolean':
      return values.boolean ? sql`${values.boolean} = ${sql.raw(c.operator === 'is_true' ? 'true' : 'false')}` : sql`false`;
    case 'date':
      return values.date ? inRange(values.date, dateRange(c, nowMs)) : sql`false`;
    case 'list': {
      const list = values.list;
      if (!list) return sql`false`;
      switch (c.operator) {
        case 'includes': return inAnyVariant(list, (items) => sql`has(${items}, ${param(c.value, 'String')})`);
        case 'includes_any': return inAnyVariant(list, (items) => sql`hasAny(${items}, ${param([...c.value], 'Array(String)')})`);
        // hasAll of nothing holds even for an empty variant (a value that is no list): only with values.
        case 'includes_all': return inAnyVariant(list, (items) => sql`hasAll(${items}, ${param([...c.value], 'Array(String)')})`, c.value.length > 0);
      }
      break;
    }
  }
  throw new Error(`unhandled comparison ${c.type} ${c.operator}`);
}

/**
 * A test of a list's items that fails on an empty list: over each stored list type in turn (an empty
 * variant fails it, so no type check is needed — list includes any at 1 M users 55 → 37 ms), or on
 * the items of a value that is a list.
 */
function inAnyVariant(list: NonNullable<FieldValues['list']>, test: (items: Sql) => Sql, failsOnEmpty = true): Sql {
  if (list.variants && failsOnEmpty) return sql`(${join(list.variants.map(test), ' OR ')})`;
  return sql`${list.present} AND ${test(list.items)}`;
}

const NUMBER_SYMBOLS = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** The complement of a one-sided number bound (for values that are never missing). */
export const BOUND_COMPLEMENTS = { gt: 'lte', lte: 'gt', gte: 'lt', lt: 'gte' } as const;

export function dateRange(c: Extract<Comparison, { type: 'date' }>, nowMs: number): time.TimeRange {
  switch (c.operator) {
    case 'before': return time.before(c.value);
    case 'after': return time.after(c.value);
    case 'on': return time.on(c.value);
    case 'between': return time.between(c.value[0], c.value[1]);
    case 'in_last': return time.inLast(c.value, nowMs);
    case 'more_than_ago': return time.moreThanAgo(c.value, nowMs);
  }
}

/**
 * A DateTime64(3, 'UTC') expression inside a time range; `true` for an unbounded one. A bound
 * beyond the instants the warehouse holds (now − 1 000 000 months, the day after 9999-12-31) is
 * decided here: on the near side it becomes the edge, inclusive, which every stored instant passes
 * (NULL still fails); on the far side nothing passes.
 */
export function inRange(t: Sql, range: time.TimeRange): Sql {
  const { from, to } = range;
  if ((from && from.ms > LAST_INSTANT) || (to && to.ms < FIRST_INSTANT)) return FALSE;
  const parts: Sql[] = [];
  if (from) {
    const inside = from.ms >= FIRST_INSTANT;
    parts.push(sql`${t} ${sql.raw(from.inclusive || !inside ? '>=' : '>')} ${instant(inside ? from.ms : FIRST_INSTANT)}`);
  }
  if (to) {
    const inside = to.ms <= LAST_INSTANT;
    parts.push(sql`${t} ${sql.raw(to.inclusive || !inside ? '<=' : '<')} ${instant(inside ? to.ms : LAST_INSTANT)}`);
  }
  return parts.length ? join(parts, ' AND ') : TRUE;
}

function instant(ms: number): Sql {
  return param(toWarehouseTime(ms), "DateTime64(3, 'UTC')");
}

/** Whether a number comparison holds for x, in JS: used to know what an absent measure (0) means. */
export function numberHolds(c: Extract<Comparison, { type: 'number' }>, x: number): boolean {
  switch (c.operator) {
    case 'eq': return x === c.value;
    case 'neq': return x !== c.value;
    case 'gt': return x > c.value;
    case 'gte': return x >= c.value;
    case 'lt': return x < c.value;
    case 'lte': return x <= c.value;
    case 'between': return c.value[0] <= x && x <= c.value[1];
  }
}

// ── How values of each kind of field read ─────────────────────────────────

/**
 * A stored string that is an ISO 8601 date or timestamp (zone optional, UTC
 * when absent) of the years 0001–9999; anything else is not a date. The
 * pattern rejects hours, minutes and months out of range that the parser would
 * roll over, and year 0000, which it reads as the current year.
 */
const ISO_DATE = `^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|${UTC_OFFSET})?)?$`;

export function dateFromString(s: Sql): Sql {
  return sql`if(match(${s}, ${sql.lit(ISO_DATE)}), parseDateTime64BestEffortOrNull(${s}, 3, 'UTC'), NULL)`;
}

/** A value of the JSON or Dynamic kind (custom attributes, traits, event properties, answers). */
export function dynamicValues(v: Sql): FieldValues {
  // Getters: a comparison reads one type, so only that type's SQL is built (compile time matters for big trees).
  const string = () => sql`dynamicElement(${v}, 'String')`;
  const list = () => {
    // A null item reads as "" (a list is a list of strings).
    const strings = sql`dynamicElement(${v}, 'Array(String)')`;
    const nullables = sql`arrayMap(x -> ifNull(x, ''), dynamicElement(${v}, 'Array(Nullable(String))'))`;
    return {
      present: sql`(dynamicType(${v}) IN ('Array(Nullable(String))', 'Array(String)'))`,
      items: sql`if(dynamicType(${v}) = 'Array(String)', ${strings}, ${nullables})`,
      variants: [strings, nullables],
    };
  };
  return {
    get string() { return string(); },
    // JSON numbers arrive as Int64, UInt64 or Float64; all compare as doubles (rule 6), rounded as
    // IEEE doubles are (an integer past 2^53 written by the bulk loader included). Each variant read
    // on its own: no type name compared per row (reading an answer's number 27 → 9 ms at 1 M users).
    get number() {
      return sql`coalesce(toFloat64(dynamicElement(${v}, 'Int64')), toFloat64(dynamicElement(${v}, 'UInt64')), dynamicElement(${v}, 'Float64'))`;
    },
    get boolean() { return sql`dynamicElement(${v}, 'Bool')`; },
    get date() { return dateFromString(string()); },
    get list() { return list(); },
    get empty() {
      const { present, items } = list();
      return sql`(dynamicType(${v}) = 'None' OR ifNull(${string()} = '', false) OR (${present} AND empty(${items})))`;
    },
  };
}

/**
 * A key of a JSON column, bound as a parameter (encoded: see model/keys.ts).
 * As an Identifier parameter (`u.attributes.{p1:Identifier}`) ClickHouse
 * reads just that key's subcolumn — about 30× less than `getSubcolumn(col,
 * {p1:String})`, which reads the whole JSON column. Identifier parameters do
 * not survive backslashes or control characters, so those rare keys take the
 * slow, exact path; so do keys with a single quote, which the ClickHouse
 * server's HTTP client sends escaped (`\'`), and which the server may not
 * unescape in an identifier (String parameters it does).
 */
export function jsonKey(column: Sql, encodedKey: string): Sql {
  if (/[\\'\u0000-\u001f]/.test(encodedKey)) return sql`getSubcolumn(${column}, ${param(encodedKey, 'String')})`;
  return sql`${column}.${param(encodedKey, 'Identifier')}`;
}
