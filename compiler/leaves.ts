/**
 * Each leaf condition as SQL. Profile conditions (native and custom
 * attributes) are predicates on the user's row. Behavioural ones (events,
 * experiences, answers) are a filter on the rows of their table, aggregates
 * of those rows per user, and a test of the aggregates — which the planner
 * either evaluates in one pass over the table for every condition at once,
 * or as a subquery of its own.
 */
import { encodeKey } from '../model/keys.js';
import { FIRST_INSTANT } from '../model/time.js';
import { BOUND_COMPLEMENTS, compare, dateRange, dynamicValues, inRange, jsonKey, numberHolds, type FieldValues } from './comparisons.js';
import { join, param, sql, TRUE, type Sql } from './sql.js';
import { inLast, windowRange, type TimeRange } from './time.js';
import type { AnswerCondition, Comparison, CustomAttributeCondition, EventCondition, ExperienceCondition, Leaf, NativeAttribute } from './tree.js';

export type BehaviourTable = 'events' | 'interactions' | 'answers';

export interface Behaviour {
  readonly table: BehaviourTable;
  /** Which rows of the table the condition looks at (table columns unqualified). */
  readonly rows: Sql;
  /** Aggregates over those rows, per user. */
  readonly aggregates: readonly Aggregate[];
  /** The condition, given the aggregates' values. */
  test(values: readonly Sql[]): Sql;
  /** Whether the condition holds for a user without any such row (e.g. "did not perform"). */
  readonly holdsWithoutRows: boolean;
  /** Whether it reads event properties (JSON subcolumns: costly to read for rows it does not look at). */
  readonly readsProperties?: boolean;
  /**
   * When the condition only asks whether the user has rows of some kinds: it holds exactly for the
   * users with rows of every set (`absent: false`) and none of every `absent` one ("performed", "did not
   * perform", seen / not_seen, answered / not_answered; a first / last time within a range). Each
   * is a set of users, with no per-user measure.
   */
  readonly sets?: readonly RowSet[];
}

/**
 * An aggregate function over a condition's rows (and only those of them passing `only`, when
 * given). The plan writes it as `fnIf(…, rows AND only)` in a pass shared with other conditions,
 * or as `fn(…)` in a query of the condition's rows alone, where `only` can filter in the WHERE.
 */
export interface Aggregate {
  readonly fn: string;
  /** Parameters of a parametric function, e.g. `uniqUpTo(5)`: numbers the compiler chose. */
  readonly params?: number;
  readonly args: readonly Sql[];
  readonly only?: Sql;
  /**
   * A count whose test only asks whether it is above 0 (the user has such rows): in a query of the
   * condition's own rows (and no `only` of its own) every user grouped has, so the plan passes
   * `HAS_ROWS` instead of counting (the latest NPS answer 50 → 44 ms at a million users).
   */
  readonly presence?: boolean;
}

/** The value of a `presence` count known to hold. */
export const HAS_ROWS = sql`1`;

/** The aggregate over the rows of `rows` (or over all rows read, with `rows` undefined). */
export function aggregateSql(a: Aggregate, rows: Sql | undefined): Sql {
  const filter = rows && a.only ? sql`${rows} AND ${a.only}` : rows ?? a.only;
  const params = a.params === undefined ? '' : `(${a.params})`;
  const args = filter ? [...a.args, filter] : a.args;
  return sql`${sql.raw(`${a.fn}${filter ? 'If' : ''}${params}`)}(${join([...args], ', ')})`;
}

export interface RowSet {
  readonly rows: Sql;
  readonly absent: boolean;
}

export type LeafSql = { readonly kind: 'profile'; readonly predicate: Sql } | ({ readonly kind: 'behaviour' } & Behaviour);

export const USERS_ALIAS = 'u';
const u = (column: string) => sql.raw(`${USERS_ALIAS}.${column}`);

export function leafSql(leaf: Leaf, nowMs: number): LeafSql {
  switch (leaf.kind) {
    case 'attribute':
      return { kind: 'profile', predicate: compare(nativeValues(leaf.attribute), leaf.comparison, nowMs) };
    case 'custom_attribute':
      return { kind: 'profile', predicate: customAttribute(leaf, nowMs) };
    case 'event':
      return { kind: 'behaviour', ...event(leaf, nowMs) };
    case 'experience':
      return { kind: 'behaviour', ...experience(leaf, nowMs) };
    case 'answer':
      return { kind: 'behaviour', ...answer(leaf, nowMs) };
  }
}

/** The typed values of a native attribute (SPEC §3.1: their types are fixed). */
function nativeValues(attribute: NativeAttribute): FieldValues {
  const column = u(attribute);
  switch (attribute) {
    case 'id':
      return { string: column, empty: sql`${column} = ''` };
    case 'name':
    case 'email':
    case 'language':
      return { string: column, empty: sql`(${column} IS NULL OR ${column} = '')` };
    case 'created_at':
    case 'first_seen_at':
    case 'last_activity_at':
      return { date: column, empty: sql`${column} IS NULL` };
    case 'sessions':
      return { number: sql`toFloat64(${column})`, empty: sql`${column} IS NULL` };
    case 'tags':
      return { list: { present: sql`true`, items: column }, empty: sql`empty(${column})` };
  }
}

function customAttribute(leaf: CustomAttributeCondition, nowMs: number): Sql {
  const column = u(leaf.source === 'segmentio' ? 'traits' : 'attributes');
  return compare(dynamicValues(jsonKey(column, encodeKey(leaf.key))), leaf.comparison, nowMs);
}

function event(leaf: EventCondition, nowMs: number): Behaviour {
  const filters: Sql[] = [sql`source = ${param(leaf.source, 'String')}`, sql`event = ${param(leaf.event, 'String')}`];
  for (const where of leaf.where) {
    filters.push(compare(dynamicValues(jsonKey(sql.raw('properties'), encodeKey(where.property))), where.comparison, nowMs));
  }
  if (leaf.window) filters.push(inRange(sql.raw('timestamp'), windowRange(leaf.window, nowMs)));
  const rows = join(filters, ' AND ');
  const readsProperties = leaf.where.length > 0 || ['sum', 'avg', 'min', 'max'].includes(leaf.measure.kind);
  return { ...eventMeasure(leaf, rows, nowMs), readsProperties, sets: eventSets(leaf, rows, nowMs) };
}

/** An event condition as sets of users, when it is one (see `Behaviour.sets`). */
function eventSets(leaf: EventCondition, rows: Sql, nowMs: number): RowSet[] | undefined {
  const measure = leaf.measure;
  if (measure.kind === 'count') {
    const existence = countExistence(leaf.comparison);
    return existence && [{ rows, absent: existence === 'absent' }];
  }
  // The least value (first time, min) is in a range ⇔ some value is in it and none is below it; the
  // greatest (last time, max) ⇔ some value is in it and none above it. A range open on that side
  // needs only the first set. A missing measure (no values) is in no range, as the spec says.
  const least = measure.kind === 'first_time' || measure.kind === 'min';
  if (!least && measure.kind !== 'last_time' && measure.kind !== 'max') return undefined;
  const bounds = 'property' in measure
    ? numberBounds(propertyNumber(measure.property), leaf.comparison, least)
    : timeBounds(leaf.comparison, least, nowMs);
  if (!bounds) return undefined;
  const sets = [{ rows: sql`${rows} AND ${bounds.within}`, absent: false }];
  if (bounds.beyond) sets.push({ rows: sql`${rows} AND ${bounds.beyond}`, absent: true });
  return sets;
}

interface Bounds {
  /** The value is in the comparison's range. */
  readonly within: Sql;
  /** The value is below (`least`) or above the range, when it is bounded on that side. */
  readonly beyond?: Sql;
}

function timeBounds(c: Comparison, least: boolean, nowMs: number): Bounds | undefined {
  if (c.type !== 'date') return undefined;
  const t = sql.raw('timestamp');
  const range = dateRange(c, nowMs);
  const edge = least ? range.from : range.to;
  const beyond: TimeRange | undefined = edge && (least
    ? { to: { ms: edge.ms, inclusive: !edge.inclusive } }
    : { from: { ms: edge.ms, inclusive: !edge.inclusive } });
  return { within: inRange(t, range), beyond: beyond && inRange(t, beyond) };
}

const propertyNumber = (property: string) => dynamicValues(jsonKey(sql.raw('properties'), encodeKey(property))).number!;

/** `neq` is not a range: no set form. */
function numberBounds(n: Sql, c: Comparison, least: boolean): Bounds | undefined {
  if (c.type !== 'number' || c.operator === 'neq') return undefined;
  const edge = (operator: 'lt' | 'lte' | 'gt' | 'gte', value: number): Comparison => ({ type: 'number', operator, value });
  let beyond: Comparison | undefined;
  if (c.operator === 'between') beyond = least ? edge('lt', c.value[0]) : edge('gt', c.value[1]);
  else if (c.operator === 'eq') beyond = edge(least ? 'lt' : 'gt', c.value);
  // A lower bound of the least value (an upper one of the greatest): none may lie past it.
  else if (least === (c.operator === 'gt' || c.operator === 'gte')) beyond = edge(BOUND_COMPLEMENTS[c.operator], c.value);
  return { within: compareNumber(n, c), beyond: beyond && compareNumber(n, beyond) };
}

/** Whether a comparison of a count holds exactly for counts ≥ 1 ("exists") or exactly for 0 ("absent"). */
function countExistence(c: Comparison): 'exists' | 'absent' | undefined {
  if (c.type !== 'number') return undefined;
  const at = (n: number) => numberHolds(c, n);
  // Counts are whole numbers: what holds at 0 and 1 holds everywhere when the comparison is one
  // of these one-sided forms (between is two-sided, so only [≤ 0, ≥ big] could qualify: left out).
  if (c.operator === 'between') return undefined;
  if (!at(0) && at(1) && (c.operator === 'gte' || c.operator === 'gt' || c.operator === 'neq')) return 'exists';
  if (at(0) && !at(1) && (c.operator === 'eq' || c.operator === 'lt' || c.operator === 'lte')) return 'absent';
  return undefined;
}

function eventMeasure(leaf: EventCondition, rows: Sql, nowMs: number): Behaviour {
  const c = leaf.comparison;
  const measure = leaf.measure;
  switch (measure.kind) {
    case 'count':
    case 'distinct_days': {
      const aggregate = measure.kind === 'count' ? COUNT : distinctDays(c);
      return measured('events', rows, [aggregate], ([x]) => compareNumber(zeroWithoutRows(x!), c), holdsForZero(c));
    }
    case 'sum': {
      const n = propertyNumber(measure.property);
      return measured('events', rows, [{ fn: 'sum', args: [n], only: sql`${n} IS NOT NULL` }], ([x]) => compareNumber(zeroWithoutRows(x!), c), holdsForZero(c));
    }
    case 'avg':
    case 'min':
    case 'max': {
      // Over the numeric values only; with none, the measure is missing and matches nothing.
      const n = propertyNumber(measure.property);
      const only = sql`${n} IS NOT NULL`;
      return measured('events', rows, [{ ...PRESENCE, only }, { fn: measure.kind, args: [n], only }],
        ([count, x]) => sql`${present(count!)} AND ${compareNumber(sql`toFloat64(${x})`, c)}`, false);
    }
    case 'first_time':
    case 'last_time': {
      const aggregate = { fn: measure.kind === 'first_time' ? 'min' : 'max', args: [sql.raw('timestamp')] };
      return measured('events', rows, [PRESENCE, aggregate],
        ([count, t]) => sql`${present(count!)} AND ${compare({ date: t!, empty: sql`false` }, c, nowMs)}`, false);
    }
  }
}

/**
 * Distinct UTC days, counted only as far as the comparison can tell apart: `uniqUpTo(n)` keeps up to
 * n days inline per user and reads any more as n + 1, which compares like the true count (both
 * above every number of the comparison) when n is at least each of them — no hash set per user
 * (5+ active days at 1 M users: 130 → 90 ms; n = 5 rather than 6: −2 %). It stores the days
 * themselves, so it is exact; past its limit of 100, uniqExact.
 */
function distinctDays(c: Comparison): Aggregate {
  const values = c.type === 'number' ? (typeof c.value === 'number' ? [c.value] : [...c.value]) : [];
  const n = Math.max(1, Math.ceil(Math.max(...values)));
  // The UTC day as a whole number of days since 0001-01-01: plain arithmetic on the stored
  // milliseconds, exact for every instant the warehouse holds (none is earlier), 4 % cheaper in the
  // GROUP BY than the calendar's toDate32.
  const day = sql`toUInt32(intDiv(toUnixTimestamp64Milli(timestamp) + ${sql.raw(String(-FIRST_INSTANT))}, 86400000))`;
  return Number.isFinite(n) && n <= 100 ? { fn: 'uniqUpTo', params: n, args: [day] } : { fn: 'uniqExact', args: [day] };
}

function experience(leaf: ExperienceCondition, nowMs: number): Behaviour {
  const negative = leaf.interaction.startsWith('not_');
  const interaction = negative ? leaf.interaction.slice(4) : leaf.interaction;
  const filters = [sql`experience = ${param(leaf.experience, 'String')}`, sql`interaction = ${param(interaction, 'String')}`];
  if (leaf.within) filters.push(inRange(sql.raw('timestamp'), inLast(leaf.within, nowMs)));
  const rows = join(filters, ' AND ');
  return { ...measured('interactions', rows, [PRESENCE], ([n]) => (negative ? sql`NOT ${present(n!)}` : present(n!)), negative), sets: [{ rows, absent: negative }] };
}

function answer(leaf: AnswerCondition, nowMs: number): Behaviour {
  const filters = [sql`experience = ${param(leaf.experience, 'String')}`, sql`step = ${param(leaf.step, 'String')}`];
  if (leaf.within) filters.push(inRange(sql.raw('timestamp'), inLast(leaf.within, nowMs)));
  const rows = join(filters, ' AND ');
  const spec = leaf.answer;
  if (spec.operator !== 'compare') {
    const answered = spec.operator === 'answered';
    return { ...measured('answers', rows, [PRESENCE], ([n]) => (answered ? present(n!) : sql`NOT ${present(n!)}`), !answered), sets: [{ rows, absent: !answered }] };
  }
  // The latest answer, carried only as the type the comparison reads: reading the Dynamic value
  // whole is ~20× slower, and a tuple as argMax's value or key ~3× slower than plain columns. Each
  // row has one UInt128 key that orders by timestamp, then by the value's type (a number before a
  // string before a list), then by the typed value (its bits, or a hash): a tie on the timestamp
  // breaks the same way in every query, whatever the operator (each family tells its own type from
  // the others, so all agree which row is the latest). Other types than numbers travel each typed
  // part as its own argMax by that key (a string as its value — argMax skips a NULL, so
  // assumeNotNull — and whether it was NULL, i.e. the latest answer is of another type): every
  // part from the same row. Only respondents match, a negative meaning "answered, and the positive
  // does not hold".
  const c = spec.comparison;
  const value = dynamicValues(sql.raw('value'));
  // A list is read as (is a list, its items): neither is ever NULL, and an Array cannot be Nullable.
  const typed = c.type === 'list' ? [value.list!.present, value.list!.items] : [value.string!];
  const nullable = c.type === 'string';
  const ms = sql`toUInt64(toUnixTimestamp64Milli(timestamp) + 1152921504606846976)`;
  if (c.type === 'number') {
    // The key's high half is the time, its low half the number's bits XOR those of NaN: 0 stands
    // for "not a number" (JSON has no NaN, so no number is 0 there), below every number — a tied
    // number is the latest, as for the other families. The max key is the latest row and its
    // number, which reads back as NaN when it is not one: false in every number comparison, as
    // NULL would be. One max instead of an argMax: NPS ≥ 9's GROUP BY at a million users 34 → 31 ms.
    const bits = sql`bitXor(reinterpretAsUInt64(ifNull(${value.number!}, nan)), reinterpretAsUInt64(nan))`;
    const key = sql`bitOr(bitShiftLeft(toUInt128(${ms}), 64), toUInt128(${bits}))`;
    const latest = (m: Sql) => sql`reinterpretAsFloat64(bitXor(toUInt64(bitAnd(${m}, toUInt128(18446744073709551615))), reinterpretAsUInt64(nan)))`;
    return measured('answers', rows, [PRESENCE, { fn: 'max', args: [key] }],
      ([n, m]) => sql`${present(n!)} AND ${compare({ number: latest(m!), empty: sql`false` }, c, nowMs)}`, false);
  }
  // Other families: the high half is the time times 4 plus the type's rank (in 64-bit arithmetic:
  // 128-bit operations cost several times more), the low half a hash of the typed value.
  const rank = sql`multiIf(${value.number!} IS NOT NULL, 2, ${value.string!} IS NOT NULL, 1, 0)`;
  const key = sql`bitOr(bitShiftLeft(toUInt128(${ms} * 4 + ${rank}), 64), toUInt128(cityHash64(tuple(${join(typed, ', ')}))))`;
  const parts: Aggregate[] = typed.flatMap((x) => nullable
    ? [{ fn: 'argMax', args: [sql`assumeNotNull(${x})`, key] }, { fn: 'argMax', args: [sql`isNull(${x})`, key] }]
    : [{ fn: 'argMax', args: [x, key] }]);
  return measured('answers', rows, [PRESENCE, ...parts],
    ([n, ...latest]) => {
      const field = (i: number) => (nullable ? sql`if(${latest[2 * i + 1]!}, NULL, ${latest[2 * i]!})` : latest[i]!);
      const values: FieldValues = c.type === 'list' ? { list: { present: field(0), items: field(1) }, empty: sql`false` } : { string: field(0), empty: sql`false` };
      return sql`${present(n!)} AND ${compare(values, c, nowMs)}`;
    }, false);
}

const COUNT: Aggregate = { fn: 'count', args: [] };
const PRESENCE: Aggregate = { ...COUNT, presence: true };

function measured(table: BehaviourTable, rows: Sql, aggregates: Aggregate[], test: (values: readonly Sql[]) => Sql, holdsWithoutRows: boolean): Behaviour {
  return { table, rows, aggregates, test, holdsWithoutRows };
}

/** Measures are never compared with rule 2: a plain comparison, false when the value is NULL. */
function compareNumber(x: Sql, c: Comparison): Sql {
  return compare({ number: x, empty: sql`false` }, c, 0);
}

/** Whether a user has any of the rows a count counts (0, or NULL from a LEFT JOIN, for users without). */
function present(count: Sql): Sql {
  return count === HAS_ROWS ? TRUE : sql`ifNull(${count}, 0) > 0`;
}

/** count, distinct_days and sum are 0 for a user without rows (a LEFT JOIN gives NULL for a Nullable sum). */
function zeroWithoutRows(x: Sql): Sql {
  return sql`ifNull(toFloat64(${x}), 0)`;
}

function holdsForZero(c: Comparison): boolean {
  return c.type === 'number' && numberHolds(c, 0);
}
