/**
 * Validation: JSON as submitted → the typed tree of tree.ts, or a
 * CompileError naming the JSON pointer of the first offending node (SPEC
 * §3.6). Each operator family checks its own value here, once, for every
 * category that uses it.
 */
import { EVENT_SOURCES, type EventSource } from '../model/schemas.js';
import { characters } from '../model/keys.js';
import { parseTimestamp } from '../model/time.js';
import { pointerSegment } from '../model/json.js';
import { CompileError, invalid } from './errors.js';
import {
  BOOLEAN_OPERATORS, CONDITION_FIELDS, DATE_OPERATORS, DURATION_FIELDS, DURATION_UNITS, FILTER_FIELDS, GROUP_FIELDS, LANGUAGE_FIELDS,
  LIST_OPERATORS, NATIVE_ATTRIBUTES, NUMBER_OPERATORS, STRING_OPERATORS,
  type Comparison, type ComparisonType, type DateValue, type Duration, type DurationUnit, type ExperienceInteraction,
  type Group, type Measure, type NativeAttribute, type Node, type PropertyFilter, type Window,
} from './tree.js';

type Json = unknown;
type JsonObject = Record<string, Json>;

const MAX_LIST = 1000;
const MAX_DURATION = 1_000_000;
const INTERACTIONS: readonly ExperienceInteraction[] = ['seen', 'not_seen', 'completed', 'not_completed', 'dismissed', 'not_dismissed'];

export function validateTree(input: Json, path = ''): Group {
  const node = validateNode(input, path, { nodes: 0 });
  if (node.kind !== 'group') throw invalid(path, 'must be a group: { "op": "and" | "or", "conditions": [...] }');
  return node;
}

/**
 * Bounds on a tree as written, empty groups included, far past what the limits of SPEC §3.6
 * (checked after empty groups are dropped and nested segments expanded) let a tree use: 1000
 * conditions each under 20 levels of groups is 21 000 nodes. Past them, refused before recursion
 * or size become the problem (a saved tree is validated again on every evaluation).
 */
const MAX_VALIDATION_DEPTH = 64;
const MAX_WRITTEN_NODES = 25_000;

function validateNode(input: Json, path: string, seen: { nodes: number }, depth = 0): Node {
  if (depth > MAX_VALIDATION_DEPTH) throw new CompileError('too_complex', `groups nested deeper than ${MAX_VALIDATION_DEPTH} levels`, path);
  if (++seen.nodes > MAX_WRITTEN_NODES) throw new CompileError('too_complex', `more than ${MAX_WRITTEN_NODES} groups and conditions as written`, path);
  const o = object(input, path);
  if ('type' in o) return validateCondition(o, path);
  // `{}` is an empty group (the published schema's reading too); an object with neither a group's
  // nor a condition's fields is more likely a misspelt condition than a group.
  if (!('conditions' in o) && !('op' in o) && Object.keys(o).length > 0) throw invalid(path, 'must be a group (op, conditions) or a condition (type)');
  known(o, path, GROUP_FIELDS);
  const op = o.op === undefined ? 'and' : o.op;
  if (op !== 'and' && op !== 'or') throw invalid(`${path}/op`, 'must be "and" or "or"');
  if (o.negate !== undefined && typeof o.negate !== 'boolean') throw invalid(`${path}/negate`, 'must be a boolean');
  const list = o.conditions === undefined ? [] : o.conditions;
  if (!Array.isArray(list)) throw invalid(`${path}/conditions`, 'must be an array');
  return {
    kind: 'group', path, op, negate: o.negate === true,
    conditions: list.map((child, i) => validateNode(child, `${path}/conditions/${i}`, seen, depth + 1)),
  };
}

function validateCondition(o: JsonObject, path: string): Node {
  if (typeof o.type === 'string' && Object.hasOwn(CONDITION_FIELDS, o.type)) known(o, path, CONDITION_FIELDS[o.type]!);
  switch (o.type) {
    case 'attribute': {
      const attribute = o.attribute;
      if (typeof attribute !== 'string' || !Object.hasOwn(NATIVE_ATTRIBUTES, attribute)) {
        throw invalid(`${path}/attribute`, `must be one of ${Object.keys(NATIVE_ATTRIBUTES).join(', ')}`);
      }
      const type = NATIVE_ATTRIBUTES[attribute as NativeAttribute];
      return { kind: 'attribute', path, attribute: attribute as NativeAttribute, comparison: comparison(o, path, [type, 'empty']) };
    }
    case 'custom_attribute': {
      const source = o.source ?? 'jimo';
      if (source !== 'jimo' && source !== 'segmentio') throw invalid(`${path}/source`, 'must be "jimo" or "segmentio"');
      return { kind: 'custom_attribute', path, source, key: key(o.key, `${path}/key`), comparison: comparison(o, path, ANY_VALUE) };
    }
    case 'event':
      return validateEvent(o, path);
    case 'experience': {
      if (!INTERACTIONS.includes(o.interaction as ExperienceInteraction)) throw invalid(`${path}/interaction`, `must be one of ${INTERACTIONS.join(', ')}`);
      return {
        kind: 'experience', path, experience: name(o.experience, `${path}/experience`),
        interaction: o.interaction as ExperienceInteraction, within: optionalDuration(o.within, `${path}/within`),
      };
    }
    case 'answer': {
      const base = {
        kind: 'answer' as const, path, experience: name(o.experience, `${path}/experience`), step: name(o.step, `${path}/step`),
        within: optionalDuration(o.within, `${path}/within`),
      };
      if (o.operator === 'answered' || o.operator === 'not_answered') return { ...base, answer: { operator: o.operator } };
      return { ...base, answer: { operator: 'compare', comparison: comparison(o, path, ['string', 'number', 'list'], ['answered', 'not_answered']) } };
    }
    case 'segment': {
      if (o.operator !== 'in' && o.operator !== 'not_in') throw invalid(`${path}/operator`, 'must be "in" or "not_in"');
      return { kind: 'segment', path, segment: name(o.segment, `${path}/segment`), operator: o.operator };
    }
    default:
      throw invalid(`${path}/type`, 'must be one of attribute, custom_attribute, event, experience, answer, segment');
  }
}

/**
 * Refuses a field of a node that must not be ignored. Builders attach fields of their own (an `id`,
 * a `key` for their lists), which are ignored; but a field of the language in the wrong place (a
 * `window` on an experience, a `negate` on a condition) or a near miss of one that belongs here
 * (`"negated": true`, `"windw"`, `"values"`, `"Operator"`) would change the audience silently if
 * ignored, so it is refused with its pointer. With `strict`, any field not of this node (a value,
 * such as a duration, not a builder's node).
 */
function known(o: JsonObject, path: string, fields: readonly string[], strict = false): void {
  for (const field of Object.keys(o)) {
    if (fields.includes(field)) continue;
    if (strict || LANGUAGE_FIELDS.has(field) || fields.some((f) => nearMiss(field, f))) {
      throw invalid(`${path}/${pointerSegment(field)}`, `is not a field here (the fields here are ${fields.join(', ')})`);
    }
  }
}

/**
 * A misspelling of `field`: another case, or one edit away (two for a name of eight letters or
 * more). Short fields (`op`, `type`, `step`) are matched by case only: a builder's `open`, `time` or
 * `stepId` is its own field, not a typo.
 */
function nearMiss(written: string, field: string): boolean {
  const lower = written.toLowerCase();
  if (lower === field) return true;
  if (field.length < 5) return false;
  const edits = field.length >= 8 ? 2 : 1;
  return Math.abs(written.length - field.length) <= edits && editDistance(lower, field) <= edits;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

const ANY_VALUE: readonly ComparisonType[] = ['string', 'number', 'boolean', 'date', 'list', 'empty'];

function validateEvent(o: JsonObject, path: string): Node {
  if (!EVENT_SOURCES.includes(o.source as EventSource)) throw invalid(`${path}/source`, `must be one of ${EVENT_SOURCES.join(', ')}`);
  const where = o.where === undefined ? [] : o.where;
  if (!Array.isArray(where)) throw invalid(`${path}/where`, 'must be an array of property filters');
  const filters: PropertyFilter[] = where.map((raw, i) => {
    const at = `${path}/where/${i}`;
    const f = object(raw, at);
    known(f, at, FILTER_FIELDS);
    return { property: key(f.property, `${at}/property`), comparison: comparison(f, at, ANY_VALUE) };
  });
  const measure = validateMeasure(o.measure, `${path}/measure`);
  const timed = measure.kind === 'first_time' || measure.kind === 'last_time';
  if (timed && o.window !== undefined) throw invalid(`${path}/window`, `is not allowed with the ${measure.kind} measure`);
  const window = o.window === undefined ? undefined : validateWindow(o.window, `${path}/window`);
  let compared: Comparison;
  if (o.operator === undefined) {
    if (timed) throw invalid(`${path}/operator`, `is required with the ${measure.kind} measure (a date operator)`);
    if (o.value !== undefined) throw invalid(`${path}/operator`, 'is required with a value (without both, the condition is "performed at least once")');
    compared = { type: 'number', operator: 'gte', value: 1 };
  } else {
    compared = comparison(o, path, [timed ? 'date' : 'number']);
  }
  return { kind: 'event', path, source: o.source as EventSource, event: name(o.event, `${path}/event`), where: filters, window, measure, comparison: compared };
}

function validateMeasure(raw: Json, path: string): Measure {
  if (raw === undefined || raw === 'count') return { kind: 'count' };
  if (raw === 'distinct_days' || raw === 'first_time' || raw === 'last_time') return { kind: raw };
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const entries = Object.entries(raw);
    const [kind, property] = entries[0] ?? [];
    if (entries.length === 1 && (kind === 'sum' || kind === 'avg' || kind === 'min' || kind === 'max')) {
      return { kind, property: key(property, `${path}/${kind}`) };
    }
  }
  throw invalid(path, 'must be "count", "distinct_days", "first_time", "last_time" or { "sum" | "avg" | "min" | "max": property }');
}

function validateWindow(raw: Json, path: string): Window {
  const o = object(raw, path);
  const entries = Object.entries(o);
  if (entries.length !== 1) throw invalid(path, 'must have exactly one of in_last, more_than_ago, between, before, after');
  const [kind, value] = entries[0]!;
  const at = `${path}/${pointerSegment(kind)}`;
  switch (kind) {
    case 'in_last':
    case 'more_than_ago':
      return { kind, duration: duration(value, at) };
    case 'between': {
      const [from, to] = pair(value, at, dateValue);
      return { kind, from, to };
    }
    case 'before':
    case 'after':
      return { kind, value: dateValue(value, at) };
    default:
      throw invalid(at, 'is not a window: use in_last, more_than_ago, between, before or after');
  }
}

/**
 * The operator and value of a condition. `families` are the value types this
 * field can be compared as; `alsoAccepted` names operators the caller handles
 * itself, for the error message.
 */
function comparison(o: JsonObject, path: string, families: readonly ComparisonType[], alsoAccepted: readonly string[] = []): Comparison {
  const operator = o.operator;
  const at = `${path}/value`;
  const allowed = operatorsOf(families);
  if (typeof operator !== 'string' || !allowed.includes(operator)) {
    throw invalid(`${path}/operator`, `must be one of ${[...allowed, ...alsoAccepted].join(', ')}`);
  }
  const value = o.value;
  if ((operator === 'is_empty' || operator === 'is_not_empty') && families.includes('empty')) return { type: 'empty', operator };
  if (operator === 'between') {
    // Numbers and dates both have `between`; the value says which is meant.
    const numeric = Array.isArray(value) && typeof value[0] === 'number';
    if (families.includes('number') && (numeric || !families.includes('date'))) {
      return { type: 'number', operator, value: pair(value, at, finite) };
    }
    return { type: 'date', operator, value: pair(value, at, dateValue) };
  }
  if (isOf(STRING_OPERATORS, operator) && families.includes('string')) {
    if (operator === 'in' || operator === 'not_in') return { type: 'string', operator, value: stringList(value, at) };
    return { type: 'string', operator: operator as 'is', value: string(value, at) };
  }
  if (isOf(NUMBER_OPERATORS, operator) && families.includes('number')) {
    return { type: 'number', operator: operator as 'eq', value: finite(value, at) };
  }
  if (isOf(BOOLEAN_OPERATORS, operator) && families.includes('boolean')) {
    return { type: 'boolean', operator: operator as 'is_true' };
  }
  if (isOf(DATE_OPERATORS, operator) && families.includes('date')) {
    if (operator === 'in_last' || operator === 'more_than_ago') return { type: 'date', operator, value: duration(value, at) };
    return { type: 'date', operator: operator as 'before', value: dateValue(value, at) };
  }
  if (isOf(LIST_OPERATORS, operator) && families.includes('list')) {
    if (operator === 'includes_any' || operator === 'includes_all') return { type: 'list', operator, value: stringList(value, at) };
    return { type: 'list', operator: operator as 'includes', value: string(value, at) };
  }
  throw invalid(`${path}/operator`, `is not an operator for this field`);
}

const FAMILIES: Record<ComparisonType, readonly string[]> = {
  string: STRING_OPERATORS, number: NUMBER_OPERATORS, boolean: BOOLEAN_OPERATORS, date: DATE_OPERATORS, list: LIST_OPERATORS,
  empty: ['is_empty', 'is_not_empty'],
};

const operatorLists = new Map<string, string[]>();

/** The operators of these families (computed once per combination: validation runs per condition). */
function operatorsOf(families: readonly ComparisonType[]): string[] {
  const key = families.join();
  let list = operatorLists.get(key);
  if (!list) {
    const all = families.flatMap((f) => FAMILIES[f]);
    list = [...new Set(families.includes('empty') ? all : all.filter((op) => op !== 'is_empty' && op !== 'is_not_empty'))];
    operatorLists.set(key, list);
  }
  return list;
}

function isOf(list: readonly string[], operator: string): boolean {
  return list.includes(operator);
}

function object(input: Json, path: string): JsonObject {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid(path, 'must be an object');
  return input as JsonObject;
}

function string(value: Json, path: string): string {
  if (typeof value !== 'string') throw invalid(path, 'must be a string');
  return value;
}

function name(value: Json, path: string): string {
  if (typeof value !== 'string' || value.length === 0 || characters(value) > 256) throw invalid(path, 'must be a string of 1 to 256 characters');
  return value;
}

function key(value: Json, path: string): string {
  if (typeof value !== 'string' || value.length === 0 || characters(value) > 128) throw invalid(path, 'must be a key of 1 to 128 characters');
  return value;
}

function finite(value: Json, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(path, 'must be a finite number');
  return value;
}

function stringList(value: Json, path: string): string[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_LIST) throw invalid(path, `must be an array of 1 to ${MAX_LIST} strings`);
  return value.map((v, i) => string(v, `${path}/${i}`));
}

function pair<T>(value: Json, path: string, item: (v: Json, path: string) => T): [T, T] {
  if (!Array.isArray(value) || value.length !== 2) throw invalid(path, 'must be an array of two values [from, to]');
  return [item(value[0], `${path}/0`), item(value[1], `${path}/1`)];
}

export function dateValue(value: Json, path: string): DateValue {
  const ms = typeof value === 'string' ? parseTimestamp(value) : undefined;
  if (ms === undefined) throw invalid(path, 'must be an ISO 8601 timestamp with Z or an offset, or a date YYYY-MM-DD');
  return { ms, dateOnly: /^\d{4}-\d{2}-\d{2}$/.test(value as string) };
}

function duration(value: Json, path: string): Duration {
  const o = object(value, path);
  known(o, path, DURATION_FIELDS, true);
  if (typeof o.amount !== 'number' || !Number.isInteger(o.amount) || o.amount < 0 || o.amount > MAX_DURATION) {
    throw invalid(`${path}/amount`, `must be a whole number from 0 to ${MAX_DURATION}`);
  }
  if (!DURATION_UNITS.includes(o.unit as DurationUnit)) throw invalid(`${path}/unit`, `must be one of ${DURATION_UNITS.join(', ')}`);
  return { amount: o.amount, unit: o.unit as DurationUnit };
}

function optionalDuration(value: Json, path: string): Duration | undefined {
  return value === undefined ? undefined : duration(value, path);
}
