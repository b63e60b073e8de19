/**
 * JSON Schemas of the data model as ingested (SPEC §2, §4 "Ingestion"). The
 * routes validate with them and publish them in OpenAPI; `description` doubles
 * as the error message where the schema offers alternatives.
 */
export const MAX_BATCH = 10_000;
const MAX_DOUBLE = Number.MAX_VALUE;

/** The four event sources: jimo (native and no-code events), segmentio, posthog, api. */
export const EVENT_SOURCES = ['jimo', 'segmentio', 'posthog', 'api'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export const INTERACTIONS = ['seen', 'completed', 'dismissed'] as const;
export type Interaction = (typeof INTERACTIONS)[number];

const finiteNumber = { type: 'number', minimum: -MAX_DOUBLE, maximum: MAX_DOUBLE } as const;
const stringList = { type: 'array', items: { type: 'string' } } as const;
const name = { type: 'string', minLength: 1, maxLength: 256 } as const;
export const timestamp = { type: 'string', format: 'timestamp' } as const;
/** A request's `now`: the instant conditions are evaluated at; absent or null, the server's clock. */
export const now = { type: ['string', 'null'], format: 'timestamp', description: 'the instant conditions are evaluated at (default, or null: now)' } as const;
const userId = { type: 'string', minLength: 1, maxLength: 256 } as const;

/** An attribute, trait or event-property value; null deletes the key. */
export const attributeValue = {
  description: 'must be a string, a finite number, a boolean, an array of strings, or null',
  anyOf: [{ type: ['string', 'boolean', 'null'] }, finiteNumber, stringList],
} as const;

export const attributeMap = {
  type: 'object',
  propertyNames: { minLength: 1, maxLength: 128 },
  additionalProperties: attributeValue,
} as const;

export const user = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: userId,
    name: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    language: { type: ['string', 'null'] },
    created_at: { type: ['string', 'null'], format: 'timestamp' },
    first_seen_at: { type: ['string', 'null'], format: 'timestamp' },
    last_activity_at: { type: ['string', 'null'], format: 'timestamp' },
    sessions: { type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    tags: { type: ['array', 'null'], items: { type: 'string' } },
    // null, as a client serializing a user without any sends, changes nothing — as absent does:
    // keys are merged one by one, so only a key's own null deletes it.
    attributes: { ...attributeMap, type: ['object', 'null'] },
    traits: { ...attributeMap, type: ['object', 'null'] },
  },
} as const;

export const event = {
  type: 'object',
  required: ['user_id', 'source', 'event', 'timestamp'],
  additionalProperties: false,
  properties: {
    user_id: userId,
    source: { type: 'string', enum: EVENT_SOURCES },
    event: name,
    timestamp,
    // null, as SDKs send an event without properties, is none.
    properties: { ...attributeMap, type: ['object', 'null'] },
  },
} as const;

export const interaction = {
  type: 'object',
  required: ['user_id', 'experience', 'interaction', 'timestamp'],
  additionalProperties: false,
  properties: {
    user_id: userId,
    experience: name,
    interaction: { type: 'string', enum: INTERACTIONS },
    timestamp,
  },
} as const;

export const answer = {
  type: 'object',
  required: ['user_id', 'experience', 'step', 'value', 'timestamp'],
  additionalProperties: false,
  properties: {
    user_id: userId,
    experience: name,
    step: name,
    value: { description: 'must be a string, a finite number or an array of strings', anyOf: [{ type: 'string' }, finiteNumber, stringList] },
    timestamp,
  },
} as const;

/** `{ <field>: [item…] }` with 1 to 10 000 items. */
export function batchOf(field: string, item: object) {
  return {
    type: 'object',
    required: [field],
    additionalProperties: false,
    properties: { [field]: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: item } },
  } as const;
}

export type AttributeValue = string | number | boolean | string[] | null;
export type Attributes = Record<string, AttributeValue>;

export interface UserWrite {
  id: string;
  name?: string | null;
  email?: string | null;
  language?: string | null;
  created_at?: string | null;
  first_seen_at?: string | null;
  last_activity_at?: string | null;
  sessions?: number | null;
  tags?: string[] | null;
  attributes?: Attributes | null;
  traits?: Attributes | null;
}

export interface EventWrite {
  user_id: string;
  source: EventSource;
  event: string;
  timestamp: string;
  properties?: Attributes | null;
}

export interface InteractionWrite {
  user_id: string;
  experience: string;
  interaction: Interaction;
  timestamp: string;
}

export interface AnswerWrite {
  user_id: string;
  experience: string;
  step: string;
  value: string | number | string[];
  timestamp: string;
}
