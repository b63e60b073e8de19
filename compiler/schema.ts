/**
 * The condition tree as JSON Schema (draft 2020-12 subset ajv and OpenAPI 3.1
 * read), published in the OpenAPI document. The compiler's validator
 * (validate.ts) is what the API enforces — it also checks what a schema
 * cannot say (operator ↔ value type, real calendar dates, limits) and names
 * the exact JSON pointer — and a test keeps the two in agreement.
 */
import { EVENT_SOURCES } from '../model/schemas.js';
import {
  BOOLEAN_OPERATORS, CONDITION_FIELDS, DATE_OPERATORS, DURATION_UNITS, FILTER_FIELDS, GROUP_FIELDS, LANGUAGE_FIELDS, LIST_OPERATORS, NATIVE_ATTRIBUTES,
  NUMBER_OPERATORS, STRING_OPERATORS,
} from './tree.js';

const ref = (name: string) => ({ $ref: `#/$defs/${name}` });
const name = { type: 'string', minLength: 1, maxLength: 256 };
const key = { type: 'string', minLength: 1, maxLength: 128 };
const dateValue = { type: 'string', description: 'ISO 8601 timestamp with Z or an offset, or a date YYYY-MM-DD (the whole UTC day)' };
const unique = (...lists: ReadonlyArray<readonly string[]>) => [...new Set(lists.flat())];
/**
 * Fields of the language written where they mean nothing are refused (validate.ts also refuses
 * near misses such as "negated", which a schema cannot say); a builder's own fields (ids) are not.
 */
const misplaced = (fields: readonly string[]) => ({ not: { enum: [...LANGUAGE_FIELDS].filter((f) => !fields.includes(f)) } });

export const CONDITION_TREE_ID = 'ConditionTree';

export const conditionTreeSchema = {
  $id: CONDITION_TREE_ID,
  description: 'A condition tree (SPEC §3): a group of conditions and groups. See docs/conditions.md.',
  ...ref('group'),
  $defs: {
    group: {
      type: 'object',
      not: { required: ['type'] },
      properties: {
        op: { enum: ['and', 'or'], default: 'and' },
        negate: { type: 'boolean', default: false },
        conditions: { type: 'array', items: ref('node') },
      },
      propertyNames: misplaced(GROUP_FIELDS),
    },
    node: { anyOf: [ref('group'), ref('condition')] },
    condition: {
      type: 'object',
      required: ['type'],
      oneOf: [
        ref('attribute'), ref('custom_attribute'), ref('event'), ref('experience'), ref('answer'), ref('segment'),
      ],
    },
    duration: {
      type: 'object',
      required: ['amount', 'unit'],
      properties: { amount: { type: 'integer', minimum: 0, maximum: 1_000_000 }, unit: { enum: DURATION_UNITS } },
      additionalProperties: false,
    },
    value: {
      description: 'string; string[] (1–1000) for in, not_in, includes_any, includes_all; number; [lo, hi] or [from, to] for between; a date; a duration for in_last / more_than_ago; absent (or ignored) for is_empty, is_not_empty, is_true, is_false',
      anyOf: [
        { type: 'string' }, { type: 'number' }, { type: 'boolean' },
        { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 1000 },
        { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
        ref('duration'), { type: 'null' },
      ],
    },
    attribute: {
      properties: {
        type: { const: 'attribute' },
        attribute: { enum: Object.keys(NATIVE_ATTRIBUTES) },
        operator: { enum: unique(STRING_OPERATORS, NUMBER_OPERATORS, DATE_OPERATORS, LIST_OPERATORS) },
        value: ref('value'),
      },
      required: ['type', 'attribute', 'operator'], propertyNames: misplaced(CONDITION_FIELDS.attribute!),
    },
    custom_attribute: {
      properties: {
        type: { const: 'custom_attribute' },
        source: { enum: ['jimo', 'segmentio'], default: 'jimo' },
        key,
        operator: { enum: unique(STRING_OPERATORS, NUMBER_OPERATORS, BOOLEAN_OPERATORS, DATE_OPERATORS, LIST_OPERATORS) },
        value: ref('value'),
      },
      required: ['type', 'key', 'operator'], propertyNames: misplaced(CONDITION_FIELDS.custom_attribute!),
    },
    event: {
      properties: {
        type: { const: 'event' },
        source: { enum: EVENT_SOURCES },
        event: name,
        where: {
          type: 'array',
          items: {
            type: 'object', required: ['property', 'operator'], propertyNames: misplaced(FILTER_FIELDS),
            properties: { property: key, operator: { enum: unique(STRING_OPERATORS, NUMBER_OPERATORS, BOOLEAN_OPERATORS, DATE_OPERATORS, LIST_OPERATORS) }, value: ref('value') },
          },
        },
        window: {
          type: 'object', minProperties: 1, maxProperties: 1,
          properties: {
            in_last: ref('duration'), more_than_ago: ref('duration'),
            between: { type: 'array', items: dateValue, minItems: 2, maxItems: 2 }, before: dateValue, after: dateValue,
          },
          additionalProperties: false,
        },
        measure: {
          anyOf: [
            { enum: ['count', 'distinct_days', 'first_time', 'last_time'] },
            { type: 'object', minProperties: 1, maxProperties: 1, properties: { sum: key, avg: key, min: key, max: key }, additionalProperties: false },
          ],
          default: 'count',
        },
        operator: { enum: unique(NUMBER_OPERATORS, DATE_OPERATORS).filter((op) => op !== 'is_empty' && op !== 'is_not_empty'), default: 'gte' },
        value: ref('value'),
      },
      required: ['type', 'source', 'event'], propertyNames: misplaced(CONDITION_FIELDS.event!),
    },
    experience: {
      properties: {
        type: { const: 'experience' },
        experience: name,
        interaction: { enum: ['seen', 'not_seen', 'completed', 'not_completed', 'dismissed', 'not_dismissed'] },
        within: ref('duration'),
      },
      required: ['type', 'experience', 'interaction'], propertyNames: misplaced(CONDITION_FIELDS.experience!),
    },
    answer: {
      properties: {
        type: { const: 'answer' },
        experience: name,
        step: name,
        operator: {
          enum: ['answered', 'not_answered', ...unique(STRING_OPERATORS, NUMBER_OPERATORS, LIST_OPERATORS).filter((op) => op !== 'is_empty' && op !== 'is_not_empty')],
        },
        value: ref('value'),
        within: ref('duration'),
      },
      required: ['type', 'experience', 'step', 'operator'], propertyNames: misplaced(CONDITION_FIELDS.answer!),
    },
    segment: {
      properties: { type: { const: 'segment' }, segment: name, operator: { enum: ['in', 'not_in'] } },
      required: ['type', 'segment', 'operator'], propertyNames: misplaced(CONDITION_FIELDS.segment!),
    },
  },
} as const;
