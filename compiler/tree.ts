/**
 * The condition tree (SPEC §3) as a discriminated union, after validation.
 * Nodes are readonly; passes return new trees. Every node keeps the JSON
 * pointer it came from, so errors and SQL comments can point at it.
 */
import type { EventSource } from '../model/schemas.js';

export const STRING_OPERATORS = ['is', 'is_not', 'contains', 'not_contains', 'starts_with', 'ends_with', 'in', 'not_in', 'is_empty', 'is_not_empty'] as const;
export const NUMBER_OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'is_empty', 'is_not_empty'] as const;
export const BOOLEAN_OPERATORS = ['is_true', 'is_false', 'is_empty', 'is_not_empty'] as const;
export const DATE_OPERATORS = ['before', 'after', 'on', 'between', 'in_last', 'more_than_ago', 'is_empty', 'is_not_empty'] as const;
export const LIST_OPERATORS = ['includes', 'excludes', 'includes_any', 'includes_all', 'is_empty', 'is_not_empty'] as const;

export type StringOperator = (typeof STRING_OPERATORS)[number];
export type NumberOperator = (typeof NUMBER_OPERATORS)[number];
export type BooleanOperator = (typeof BOOLEAN_OPERATORS)[number];
export type DateOperator = (typeof DATE_OPERATORS)[number];
export type ListOperator = (typeof LIST_OPERATORS)[number];

export const DURATION_UNITS = ['minutes', 'hours', 'days', 'weeks', 'months'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];
export interface Duration {
  readonly amount: number;
  readonly unit: DurationUnit;
}

/** The fields of each node of a tree (validate.ts says which others are refused, and why). */
export const GROUP_FIELDS = ['op', 'conditions', 'negate'];
export const CONDITION_FIELDS: Record<string, readonly string[]> = {
  attribute: ['type', 'attribute', 'operator', 'value'],
  custom_attribute: ['type', 'key', 'source', 'operator', 'value'],
  event: ['type', 'source', 'event', 'where', 'window', 'measure', 'operator', 'value'],
  experience: ['type', 'experience', 'interaction', 'within'],
  answer: ['type', 'experience', 'step', 'operator', 'value', 'within'],
  segment: ['type', 'segment', 'operator'],
};
export const FILTER_FIELDS = ['property', 'operator', 'value'];
export const DURATION_FIELDS = ['amount', 'unit'];
/** The language's fields that mean something wherever they are written (`key` and `type` are also builders' own). */
export const LANGUAGE_FIELDS = new Set([...GROUP_FIELDS, ...Object.values(CONDITION_FIELDS).flat(), ...FILTER_FIELDS].filter((f) => f !== 'key' && f !== 'type'));

/** A date operand: an instant, or a whole UTC day (`YYYY-MM-DD`). Epoch milliseconds. */
export interface DateValue {
  readonly ms: number;
  readonly dateOnly: boolean;
}

/**
 * A comparison of one value, by its type. The operator decides which values
 * it looks at (SPEC §3.2 rule 1): a `string` comparison only ever matches
 * strings, a `number` comparison finite numbers, and so on.
 */
export type Comparison =
  | { readonly type: 'string'; readonly operator: Exclude<StringOperator, 'in' | 'not_in' | 'is_empty' | 'is_not_empty'>; readonly value: string }
  | { readonly type: 'string'; readonly operator: 'in' | 'not_in'; readonly value: readonly string[] }
  | { readonly type: 'number'; readonly operator: Exclude<NumberOperator, 'between' | 'is_empty' | 'is_not_empty'>; readonly value: number }
  | { readonly type: 'number'; readonly operator: 'between'; readonly value: readonly [number, number] }
  | { readonly type: 'boolean'; readonly operator: 'is_true' | 'is_false' }
  | { readonly type: 'date'; readonly operator: 'before' | 'after' | 'on'; readonly value: DateValue }
  | { readonly type: 'date'; readonly operator: 'between'; readonly value: readonly [DateValue, DateValue] }
  | { readonly type: 'date'; readonly operator: 'in_last' | 'more_than_ago'; readonly value: Duration }
  | { readonly type: 'list'; readonly operator: 'includes' | 'excludes'; readonly value: string }
  | { readonly type: 'list'; readonly operator: 'includes_any' | 'includes_all'; readonly value: readonly string[] }
  /** is_empty / is_not_empty: missing, null, "" and [] (rule 3), whatever the type. */
  | { readonly type: 'empty'; readonly operator: 'is_empty' | 'is_not_empty' };

export type ComparisonType = Comparison['type'];

export const NATIVE_ATTRIBUTES = {
  id: 'string',
  name: 'string',
  email: 'string',
  language: 'string',
  created_at: 'date',
  first_seen_at: 'date',
  last_activity_at: 'date',
  sessions: 'number',
  tags: 'list',
} as const satisfies Record<string, 'string' | 'date' | 'number' | 'list'>;
export type NativeAttribute = keyof typeof NATIVE_ATTRIBUTES;

/** When an event, interaction or answer counts: SPEC §3.3 `window`, §3.4 `within` (read as in_last). */
export type Window =
  | { readonly kind: 'in_last'; readonly duration: Duration }
  | { readonly kind: 'more_than_ago'; readonly duration: Duration }
  | { readonly kind: 'between'; readonly from: DateValue; readonly to: DateValue }
  | { readonly kind: 'before'; readonly value: DateValue }
  | { readonly kind: 'after'; readonly value: DateValue };

export type Measure =
  | { readonly kind: 'count' }
  | { readonly kind: 'distinct_days' }
  | { readonly kind: 'sum' | 'avg' | 'min' | 'max'; readonly property: string }
  | { readonly kind: 'first_time' | 'last_time' };

export type ExperienceInteraction = 'seen' | 'not_seen' | 'completed' | 'not_completed' | 'dismissed' | 'not_dismissed';

interface Located {
  /** JSON pointer of the node in the tree as submitted. */
  readonly path: string;
}

export interface Group extends Located {
  readonly kind: 'group';
  readonly op: 'and' | 'or';
  readonly negate: boolean;
  readonly conditions: readonly Node[];
}

export interface AttributeCondition extends Located {
  readonly kind: 'attribute';
  readonly attribute: NativeAttribute;
  readonly comparison: Comparison;
}

export interface CustomAttributeCondition extends Located {
  readonly kind: 'custom_attribute';
  readonly source: 'jimo' | 'segmentio';
  readonly key: string;
  readonly comparison: Comparison;
}

export interface PropertyFilter {
  readonly property: string;
  readonly comparison: Comparison;
}

export interface EventCondition extends Located {
  readonly kind: 'event';
  readonly source: EventSource;
  readonly event: string;
  readonly where: readonly PropertyFilter[];
  readonly window?: Window;
  readonly measure: Measure;
  /** number comparison for numeric measures, date comparison for first_time / last_time */
  readonly comparison: Comparison;
}

export interface ExperienceCondition extends Located {
  readonly kind: 'experience';
  readonly experience: string;
  readonly interaction: ExperienceInteraction;
  readonly within?: Duration;
}

export interface AnswerCondition extends Located {
  readonly kind: 'answer';
  readonly experience: string;
  readonly step: string;
  readonly within?: Duration;
  /** `answered` / `not_answered`, or a comparison of the latest answer. */
  readonly answer: { readonly operator: 'answered' | 'not_answered' } | { readonly operator: 'compare'; readonly comparison: Comparison };
}

export interface SegmentCondition extends Located {
  readonly kind: 'segment';
  readonly segment: string;
  readonly operator: 'in' | 'not_in';
}

export type Condition = AttributeCondition | CustomAttributeCondition | EventCondition | ExperienceCondition | AnswerCondition | SegmentCondition;
export type Node = Group | Condition;

/** A tree whose nested segments have been expanded: what the planner receives. */
export type Leaf = Exclude<Condition, SegmentCondition>;
