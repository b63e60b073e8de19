/**
 * What the builder offers for a condition, from `/v1/catalog` and SPEC §3.2:
 * the operators of each value type, the value each operator takes, and a
 * sensible new condition for every category.
 */
import type { Category, Condition } from './api.js';

export type ValueType = 'string' | 'number' | 'boolean' | 'date' | 'list';

export const OPERATORS: Record<ValueType, string[]> = {
  string: ['is', 'is_not', 'contains', 'not_contains', 'starts_with', 'ends_with', 'in', 'not_in', 'is_empty', 'is_not_empty'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'is_empty', 'is_not_empty'],
  boolean: ['is_true', 'is_false', 'is_empty', 'is_not_empty'],
  date: ['before', 'after', 'on', 'between', 'in_last', 'more_than_ago', 'is_empty', 'is_not_empty'],
  list: ['includes', 'excludes', 'includes_any', 'includes_all', 'is_empty', 'is_not_empty'],
};

export const OPERATOR_LABELS: Record<string, string> = {
  is: 'is', is_not: 'is not', contains: 'contains', not_contains: 'does not contain', starts_with: 'starts with', ends_with: 'ends with',
  in: 'is any of', not_in: 'is none of', is_empty: 'is empty', is_not_empty: 'is not empty',
  eq: '=', neq: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', between: 'between',
  is_true: 'is true', is_false: 'is false',
  before: 'before', after: 'after', on: 'on', in_last: 'in the last', more_than_ago: 'more than … ago',
  includes: 'includes', excludes: 'excludes', includes_any: 'includes any of', includes_all: 'includes all of',
  answered: 'answered', not_answered: 'did not answer', in_segment: 'is in', not_in_segment: 'is not in',
};

export const UNITS = ['minutes', 'hours', 'days', 'weeks', 'months'] as const;

/** The kind of value an operator takes. */
export type ValueShape = 'none' | 'text' | 'texts' | 'number' | 'range' | 'date' | 'dates' | 'duration';
export function valueShape(type: ValueType, operator: string): ValueShape {
  if (['is_empty', 'is_not_empty', 'is_true', 'is_false', 'answered', 'not_answered'].includes(operator)) return 'none';
  if (type === 'number') return operator === 'between' ? 'range' : 'number';
  if (type === 'date') return operator === 'between' ? 'dates' : operator === 'in_last' || operator === 'more_than_ago' ? 'duration' : 'date';
  return ['in', 'not_in', 'includes_any', 'includes_all'].includes(operator) ? 'texts' : 'text';
}

export function defaultValue(shape: ValueShape): unknown {
  switch (shape) {
    case 'none': return undefined;
    case 'text': return '';
    case 'texts': return [];
    case 'number': return 0;
    case 'range': return [0, 10];
    case 'date': return today();
    case 'dates': return [daysAgo(30), today()];
    case 'duration': return { amount: 30, unit: 'days' };
  }
}

export const today = () => new Date().toISOString().slice(0, 10);
export const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** Operators for a field seen with these value types (a string may hold ISO dates: date operators too). */
export function operatorsFor(types: readonly string[]): Array<{ operator: string; type: ValueType }> {
  const seen = new Set<string>();
  const out: Array<{ operator: string; type: ValueType }> = [];
  const all: ValueType[] = types.length ? (types as ValueType[]) : ['string'];
  const expanded = all.includes('string') && !all.includes('date') ? [...all, 'date' as ValueType] : all;
  for (const type of expanded) {
    for (const operator of OPERATORS[type] ?? []) {
      if (seen.has(operator)) continue;
      seen.add(operator);
      out.push({ operator, type });
    }
  }
  return out;
}

/** A condition's value type, given its operator (custom attributes have no fixed type: the operator decides). */
export function typeOfOperator(operator: string, types: readonly string[]): ValueType {
  return operatorsFor(types).find((o) => o.operator === operator)?.type ?? 'string';
}

/** The first condition a category offers: its first field, first operator, default value. */
export function newCondition(category: Category): Condition {
  switch (category.type) {
    case 'attribute': {
      const field = category.fields?.find((f) => f.name === 'name') ?? category.fields?.[0];
      return { type: 'attribute', attribute: field?.name ?? 'id', operator: 'is_not_empty' };
    }
    case 'custom_attribute': {
      const key = category.keys?.[0];
      return { type: 'custom_attribute', key: key?.key ?? '', ...(category.source === 'segmentio' ? { source: 'segmentio' } : {}), operator: 'is_not_empty' };
    }
    case 'event':
      return { type: 'event', source: category.source ?? 'jimo', event: category.events?.[0]?.event ?? '' };
    case 'experience': {
      const experience = category.experiences?.[0];
      return { type: 'experience', experience: experience?.experience ?? '', interaction: 'seen' };
    }
    case 'segment':
      return { type: 'segment', segment: category.segments?.[0]?.id ?? '', operator: 'in' };
    default:
      return { type: 'attribute', attribute: 'id', operator: 'is_not_empty' };
  }
}

/** The catalog category a condition belongs to. */
export function categoryOf(condition: Condition, categories: Category[]): Category | undefined {
  return categories.find((c) => {
    if (c.type !== condition.type && !(c.type === 'experience' && condition.type === 'answer')) return false;
    if (c.type === 'custom_attribute') return (condition.source ?? 'jimo') === c.source;
    if (c.type === 'event') return condition.source === c.source;
    return true;
  });
}

export const NATIVE_TYPES: Record<string, ValueType> = {
  id: 'string', name: 'string', email: 'string', language: 'string',
  created_at: 'date', first_seen_at: 'date', last_activity_at: 'date', sessions: 'number', tags: 'list',
};

export const MEASURES = ['count', 'distinct_days', 'sum', 'avg', 'min', 'max', 'first_time', 'last_time'] as const;
export const MEASURE_LABELS: Record<string, string> = {
  count: 'number of times', distinct_days: 'number of distinct days', sum: 'sum of', avg: 'average of', min: 'minimum of', max: 'maximum of',
  first_time: 'first time', last_time: 'last time',
};
