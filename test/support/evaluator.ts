/**
 * A small in-memory evaluator of condition trees, written from SPEC §3 alone
 * (it shares no code with compiler/): the reference the compiled SQL is
 * checked against in the differential tests. Simple and slow on purpose.
 */

type Value = unknown;
type Tree = any;

export interface Profile {
  id: string;
  name?: string | null;
  email?: string | null;
  language?: string | null;
  created_at?: string | null;
  first_seen_at?: string | null;
  last_activity_at?: string | null;
  sessions?: number | null;
  tags?: string[] | null;
  attributes?: Record<string, Value>;
  traits?: Record<string, Value>;
}

export interface Dataset {
  /** Users that exist (ingested, not deleted), in their final state. */
  users: Profile[];
  events: Array<{ user_id: string; source: string; event: string; timestamp: string; properties?: Record<string, Value> }>;
  interactions: Array<{ user_id: string; experience: string; interaction: string; timestamp: string }>;
  answers: Array<{ user_id: string; experience: string; step: string; value: Value; timestamp: string }>;
}

const DAY = 86_400_000;

export function evaluate(tree: Tree, data: Dataset, nowMs: number, segments: Record<string, Tree> = {}): Set<string> {
  const members = new Set<string>();
  for (const user of data.users) if (matchesNode(tree, user, data, nowMs, segments)) members.add(user.id);
  return members;
}

function isEmptyGroup(node: Tree): boolean {
  return !('type' in node) && (node.conditions ?? []).every((c: Tree) => !('type' in c) && isEmptyGroup(c));
}

function matchesNode(node: Tree, user: Profile, data: Dataset, now: number, segments: Record<string, Tree>): boolean {
  if (!('type' in node)) {
    const children = (node.conditions ?? []).filter((c: Tree) => 'type' in c || !isEmptyGroup(c));
    if (children.length === 0) return true; // an empty group is ignored
    const results = children.map((c: Tree) => matchesNode(c, user, data, now, segments));
    const value = (node.op ?? 'and') === 'and' ? results.every(Boolean) : results.some(Boolean);
    return node.negate ? !value : value;
  }
  switch (node.type) {
    case 'attribute':
      return compareValue(nativeValue(user, node.attribute), node.operator, node.value, now, NATIVE_TYPES[node.attribute]);
    case 'custom_attribute': {
      const bag = (node.source === 'segmentio' ? user.traits : user.attributes) ?? {};
      return compareValue(Object.hasOwn(bag, node.key) ? bag[node.key] : undefined, node.operator, node.value, now);
    }
    case 'event':
      return matchesEvent(node, user, data, now);
    case 'experience': {
      const negative = node.interaction.startsWith('not_');
      const interaction = negative ? node.interaction.slice(4) : node.interaction;
      const from = node.within ? minus(now, node.within) : -Infinity;
      const any = data.interactions.some((i) => i.user_id === user.id && i.experience === node.experience && i.interaction === interaction
        && (!node.within || (ms(i.timestamp) >= from && ms(i.timestamp) <= now)));
      return negative ? !any : any;
    }
    case 'answer': {
      const from = node.within ? minus(now, node.within) : -Infinity;
      const mine = data.answers.filter((a) => a.user_id === user.id && a.experience === node.experience && a.step === node.step
        && (!node.within || (ms(a.timestamp) >= from && ms(a.timestamp) <= now)));
      if (node.operator === 'answered') return mine.length > 0;
      if (node.operator === 'not_answered') return mine.length === 0;
      if (mine.length === 0) return false;
      const latest = mine.reduce((a, b) => (ms(b.timestamp) > ms(a.timestamp) ? b : a));
      return compareValue(latest.value, node.operator, node.value, now);
    }
    case 'segment': {
      const inside = matchesNode(segments[node.segment], user, data, now, segments);
      return node.operator === 'in' ? inside : !inside;
    }
  }
  throw new Error(`evaluator: unknown condition ${JSON.stringify(node)}`);
}

const NATIVE_TYPES: Record<string, string> = {
  id: 'string', name: 'string', email: 'string', language: 'string', created_at: 'date', first_seen_at: 'date',
  last_activity_at: 'date', sessions: 'number', tags: 'list',
};

function nativeValue(user: Profile, attribute: string): Value {
  return (user as unknown as Record<string, Value>)[attribute] ?? undefined;
}

/** Rules 1–6 for one value. `nativeType` pins a native attribute's type (its date strings are dates). */
function compareValue(v: Value, operator: string, value: Value, now: number, nativeType?: string): boolean {
  switch (operator) {
    case 'is_empty': return isEmpty(v);
    case 'is_not_empty': return !isEmpty(v);
    case 'is_not': return !compareValue(v, 'is', value, now, nativeType);
    case 'not_contains': return !compareValue(v, 'contains', value, now, nativeType);
    case 'not_in': return !compareValue(v, 'in', value, now, nativeType);
    case 'neq': return !compareValue(v, 'eq', value, now, nativeType);
    case 'excludes': return !compareValue(v, 'includes', value, now, nativeType);
  }
  const asString = typeof v === 'string' && nativeType !== 'date' ? v : undefined;
  switch (operator) {
    case 'is': return asString !== undefined && asString === value;
    case 'in': return asString !== undefined && (value as string[]).includes(asString);
    case 'contains': return asString !== undefined && asString.toLowerCase().includes((value as string).toLowerCase());
    case 'starts_with': return asString !== undefined && asString.toLowerCase().startsWith((value as string).toLowerCase());
    case 'ends_with': return asString !== undefined && asString.toLowerCase().endsWith((value as string).toLowerCase());
    case 'is_true': return v === true;
    case 'is_false': return v === false;
    case 'includes': return Array.isArray(v) && v.includes(value);
    case 'includes_any': return Array.isArray(v) && (value as string[]).some((x) => v.includes(x));
    case 'includes_all': return Array.isArray(v) && (value as string[]).every((x) => v.includes(x));
  }
  const number = typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  switch (operator) {
    case 'eq': return number !== undefined && number === value;
    case 'gt': return number !== undefined && number > (value as number);
    case 'gte': return number !== undefined && number >= (value as number);
    case 'lt': return number !== undefined && number < (value as number);
    case 'lte': return number !== undefined && number <= (value as number);
  }
  if (operator === 'between' && Array.isArray(value) && typeof value[0] === 'number') {
    return number !== undefined && value[0] <= number && number <= (value[1] as number);
  }
  const t = typeof v === 'string' ? storedDate(v) : undefined;
  return t !== undefined && dateHolds(t, operator, value, now);
}

function isEmpty(v: Value): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

/** Rule 5 for an instant t (ms). */
function dateHolds(t: number, operator: string, value: Value, now: number): boolean {
  switch (operator) {
    case 'before': {
      const d = operand(value as string);
      return t < (d.dateOnly ? d.ms : d.ms);
    }
    case 'after': {
      const d = operand(value as string);
      return d.dateOnly ? t >= d.ms + DAY : t > d.ms;
    }
    case 'on': {
      const start = Math.floor(operand(value as string).ms / DAY) * DAY;
      return t >= start && t < start + DAY;
    }
    case 'between': {
      const [a, b] = (value as string[]).map(operand);
      return t >= a!.ms && (b!.dateOnly ? t < b!.ms + DAY : t <= b!.ms);
    }
    case 'in_last': return t >= minus(now, value as Duration) && t <= now;
    case 'more_than_ago': return t < minus(now, value as Duration);
  }
  throw new Error(`evaluator: unknown operator ${operator}`);
}

interface Duration {
  amount: number;
  unit: string;
}

/** now − d; months are calendar months (31 March − 1 month = the last day of February). */
function minus(now: number, d: Duration): number {
  const unit: Record<string, number> = { minutes: 60_000, hours: 3_600_000, days: DAY, weeks: 7 * DAY };
  if (d.unit !== 'months') return now - d.amount * unit[d.unit]!;
  const date = new Date(now);
  const target = new Date(date);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() - d.amount);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.getTime();
}

function operand(text: string): { ms: number; dateOnly: boolean } {
  return { ms: storedDate(text) ?? NaN, dateOnly: /^\d{4}-\d{2}-\d{2}$/.test(text) };
}

const STORED_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** A stored string as an instant, when it is an ISO 8601 date or timestamp (no zone: UTC). */
export function storedDate(text: string): number | undefined {
  const m = STORED_DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  // Years 0001–9999, as docs/conditions.md decides (the spec names no range).
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > new Date(new Date(0).setUTCFullYear(year, month, 0)).getUTCDate() || hour > 23 || minute > 59 || second > 59) return undefined;
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  let t = new Date(0).setUTCFullYear(year, month - 1, day) + ((hour * 60 + minute) * 60 + second) * 1000 + Number((frac + '000').slice(0, 3));
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const minutes = Number(digits.slice(2) || 0);
    const offset = Number(digits.slice(0, 2)) * 60 + minutes;
    // The offsets the API accepts (model/time.ts): minutes up to 59, ±18:00 at most.
    if (minutes > 59 || offset > 18 * 60) return undefined;
    t -= sign * offset * 60_000;
  }
  return t;
}

const ms = (text: string) => Date.parse(text);

function matchesEvent(node: Tree, user: Profile, data: Dataset, now: number): boolean {
  const rows = data.events.filter((e) => e.user_id === user.id && e.source === node.source && e.event === node.event
    && (node.where ?? []).every((w: Tree) => compareValue(Object.hasOwn(e.properties ?? {}, w.property) ? e.properties![w.property] : undefined, w.operator, w.value, now))
    && (!node.window || inWindow(ms(e.timestamp), node.window, now)));
  const measure = node.measure ?? 'count';
  const operator = node.operator ?? 'gte';
  const value = node.operator === undefined ? 1 : node.value;
  let x: number | undefined;
  if (measure === 'count') x = rows.length;
  else if (measure === 'distinct_days') x = new Set(rows.map((e) => Math.floor(ms(e.timestamp) / DAY))).size;
  else if (measure === 'first_time' || measure === 'last_time') {
    if (rows.length === 0) return false;
    const times = rows.map((e) => ms(e.timestamp));
    const t = measure === 'first_time' ? Math.min(...times) : Math.max(...times);
    return dateHolds(t, operator, value, now);
  } else {
    const [kind, property] = Object.entries(measure)[0] as [string, string];
    const numbers = rows.map((e) => e.properties?.[property]).filter((v): v is number => typeof v === 'number');
    if (kind === 'sum') x = numbers.reduce((a, b) => a + b, 0);
    else if (numbers.length === 0) return false;
    else if (kind === 'avg') x = numbers.reduce((a, b) => a + b, 0) / numbers.length;
    else x = kind === 'min' ? Math.min(...numbers) : Math.max(...numbers);
  }
  switch (operator) {
    case 'eq': return x === value;
    case 'neq': return x !== value;
    case 'gt': return x! > value;
    case 'gte': return x! >= value;
    case 'lt': return x! < value;
    case 'lte': return x! <= value;
    case 'between': return value[0] <= x! && x! <= value[1];
  }
  throw new Error(`evaluator: unknown measure operator ${operator}`);
}

function inWindow(t: number, window: Tree, now: number): boolean {
  const [kind, value] = Object.entries(window)[0] as [string, Value];
  switch (kind) {
    case 'in_last': return dateHolds(t, 'in_last', value, now);
    case 'more_than_ago': return dateHolds(t, 'more_than_ago', value, now);
    case 'between': return dateHolds(t, 'between', value, now);
    case 'before': return dateHolds(t, 'before', value, now);
    case 'after': return dateHolds(t, 'after', value, now);
  }
  throw new Error(`evaluator: unknown window ${kind}`);
}
