/**
 * SPEC §3.2 operator families as behaviour suites, each reused for every kind
 * of field it applies to — native attribute, custom attribute, Segment.io
 * trait, event property, latest answer — through the HTTP endpoint, on both
 * plan strategies. Expected members are written out by hand from the spec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.js';
import { openTestWarehouse } from '../support/warehouse.js';
import { ingest } from '../support/ingest.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { STRATEGIES } from '../../compiler/index.js';

let app: FastifyInstance;
let warehouse: Warehouse;
let dispose: () => Promise<void>;

/** One user per stored value; `missing` has none. */
const VALUES: Record<string, unknown> = {
  missing: undefined, empty: '', Pro: 'Pro', pro: 'pro', pct: '50%', under: 'a_b', backslash: 'a\\b', ecole: 'ÉCOLE', quote: "it's {x}",
  dateOnly: '2026-01-15', morning: '2026-01-15T10:30:00.000Z', nextDay: '2026-01-16T00:00:00.000Z', notDate: '2026-02-30',
  one: 1, oneString: '1', half: 2.5, negative: -1, yes: true, no: false, list: ['a', 'b'], emptyList: [], upperList: ['A'],
};
const EVERYONE = Object.keys(VALUES);
const NOW = '2026-03-31T12:00:00.000Z';

interface FieldKind {
  name: string;
  /** Which stored values this kind of field can hold (a native string only holds strings). */
  holds: (value: unknown) => boolean;
  condition: (operator: string, value?: unknown) => object;
  /** Answers: only respondents match, negatives included; and there is no is_empty. */
  respondentsOnly?: boolean;
  /** Users in the project that have no value of this field at all but exist. */
  project: string;
}

const isString = (v: unknown) => typeof v === 'string';
const FIELDS: FieldKind[] = [
  { name: 'native attribute (name)', project: 'native', holds: isString, condition: (operator, value) => ({ type: 'attribute', attribute: 'name', operator, value }) },
  { name: 'custom attribute', project: 'custom', holds: () => true, condition: (operator, value) => ({ type: 'custom_attribute', key: "the 'key'.x", operator, value }) },
  { name: 'Segment.io trait', project: 'trait', holds: () => true, condition: (operator, value) => ({ type: 'custom_attribute', source: 'segmentio', key: 'trait{%}', operator, value }) },
  {
    name: 'event property', project: 'event', holds: () => true,
    condition: (operator, value) => ({ type: 'event', source: 'api', event: 'view', where: [{ property: 'p.q', operator, value }] }),
  },
  { name: 'latest answer', project: 'answer', holds: (v) => v !== undefined && typeof v !== 'boolean' && !(Array.isArray(v) && v.length === 0), respondentsOnly: true, condition: (operator, value) => ({ type: 'answer', experience: 'nps', step: 'q', operator, value }) },
];

beforeAll(async () => {
  ({ warehouse, dispose } = await openTestWarehouse());
  app = await buildApp({ config: { apiKeys: new Map(FIELDS.map((f) => [f.project, f.project])) }, warehouse });
  for (const field of FIELDS) {
    const held = Object.entries(VALUES).filter(([, v]) => v !== undefined && field.holds(v));
    const users = EVERYONE.map((id) => {
      const v = VALUES[id];
      const has = v !== undefined && field.holds(v);
      if (field.project === 'native') return { id, ...(has ? { name: v as string } : {}) };
      if (field.project === 'custom') return { id, attributes: has ? { "the 'key'.x": v } : { other: 1 } };
      if (field.project === 'trait') return { id, traits: has ? { 'trait{%}': v } : {} };
      return { id };
    });
    await ingest(warehouse, field.project, {
      users: users as never,
      events: field.project === 'event'
        ? held.map(([id, v]) => ({ user_id: id, source: 'api', event: 'view', timestamp: '2026-01-01T00:00:00.000Z', properties: { 'p.q': v } }))
          .concat([{ user_id: 'missing', source: 'api', event: 'view', timestamp: '2026-01-01T00:00:00.000Z', properties: { other: 1 } } as never])
        : [],
      interactions: [],
      answers: field.project === 'answer'
        ? held.flatMap(([id, v]) => [
            // An older answer that must be ignored: only the latest counts.
            { user_id: id, experience: 'nps', step: 'q', value: 'stale', timestamp: '2025-01-01T00:00:00.000Z' },
            { user_id: id, experience: 'nps', step: 'q', value: v as string, timestamp: '2026-01-01T00:00:00.000Z' },
          ])
        : [],
    });
  }
});
afterAll(async () => {
  await app?.close();
  await dispose?.();
});

async function members(project: string, conditions: object): Promise<string[]> {
  const results = await Promise.all(STRATEGIES.map(async (strategy) => {
    const response = await app.inject({
      method: 'POST', url: '/v1/audience/users', headers: { authorization: `Bearer ${project}` },
      payload: { conditions, now: NOW, limit: 1000, strategy },
    });
    expect(response.statusCode, response.body).toBe(200);
    return (JSON.parse(response.body).users as Array<{ id: string }>).map((u) => u.id).sort();
  }));
  expect(results[1], 'naive and single_pass agree').toEqual(results[0]);
  return results[0]!;
}

/** The users a positive operator matches on this field: those among `ids` whose value this field holds. */
function expected(field: FieldKind, ids: string[]): string[] {
  return ids.filter((id) => field.holds(VALUES[id]) && VALUES[id] !== undefined).sort();
}

/** The exact complement — or, for answers, the respondents the positive does not match. */
function complement(field: FieldKind, ids: string[]): string[] {
  const universe = field.respondentsOnly ? EVERYONE.filter((id) => VALUES[id] !== undefined && field.holds(VALUES[id])) : EVERYONE;
  const positive = new Set(expected(field, ids));
  return universe.filter((id) => !positive.has(id)).sort();
}

function behavesLikeStringOperators(field: FieldKind) {
  const check = async (operator: string, value: unknown, positiveIds: string[], negative?: string) => {
    const conditions = { op: 'and', conditions: [field.condition(operator, value)] };
    expect(await members(field.project, conditions)).toEqual(expected(field, positiveIds));
    if (negative) expect(await members(field.project, { op: 'and', conditions: [field.condition(negative, value)] })).toEqual(complement(field, positiveIds));
  };
  describe(`string operators on a ${field.name}`, () => {
    it('rule 4: is / is_not compare exactly (case and type), is_not being the exact complement', () => check('is', 'pro', ['pro'], 'is_not'));
    it('rule 1: a number never matches a string operator ("1" vs 1)', () => check('is', '1', ['oneString'], 'is_not'));
    it('rule 4: contains ignores case (Unicode lower-casing), not_contains is its complement', () => check('contains', 'PRO', ['Pro', 'pro'], 'not_contains'));
    it('contains takes % literally', () => check('contains', '%', ['pct'], 'not_contains'));
    it('contains takes _ literally', () => check('contains', '_', ['under'], 'not_contains'));
    it('contains takes \\ literally', () => check('contains', '\\', ['backslash'], 'not_contains'));
    it("contains finds quotes and braces", () => check('contains', "'S {", ['quote'], 'not_contains'));
    it('starts_with and ends_with ignore case, unicode included', async () => {
      await check('starts_with', 'éc', ['ecole']);
      await check('ends_with', 'B', ['under', 'backslash']);
    });
    it('in / not_in compare exactly', () => check('in', ['Pro', 'x', '1'], ['Pro', 'oneString'], 'not_in'));
    if (!field.respondentsOnly) {
      it('rule 3: is_empty matches missing, "" and [] (and is_not_empty the rest)', async () => {
        const empty = field.project === 'native' ? ['missing', 'empty', ...EVERYONE.filter((id) => !isString(VALUES[id]))] : ['missing', 'empty', 'emptyList'];
        expect(await members(field.project, { op: 'and', conditions: [field.condition('is_empty')] })).toEqual([...new Set(empty)].sort());
        expect(await members(field.project, { op: 'and', conditions: [field.condition('is_not_empty')] })).toEqual(EVERYONE.filter((id) => !empty.includes(id)).sort());
      });
    }
  });
}

function behavesLikeNumberOperators(field: FieldKind) {
  const check = async (operator: string, value: unknown, ids: string[], negative?: string) => {
    expect(await members(field.project, { op: 'and', conditions: [field.condition(operator, value)] })).toEqual(expected(field, ids));
    if (negative) expect(await members(field.project, { op: 'and', conditions: [field.condition(negative, value)] })).toEqual(complement(field, ids));
  };
  describe(`number operators on a ${field.name}`, () => {
    it('rule 1: eq matches numbers only ("1" is a string), neq is its exact complement', () => check('eq', 1, ['one'], 'neq'));
    it('rule 6: gt / gte / lt / lte compare as doubles', async () => {
      await check('gt', 1, ['half']);
      await check('gte', 1, ['one', 'half']);
      await check('lt', 1, ['negative']);
      await check('lte', 2.5, ['one', 'half', 'negative']);
    });
    it('rule 6: between is inclusive', () => check('between', [1, 2.5], ['one', 'half']));
  });
}

function behavesLikeListOperators(field: FieldKind) {
  const check = async (operator: string, value: unknown, ids: string[], negative?: string) => {
    expect(await members(field.project, { op: 'and', conditions: [field.condition(operator, value)] })).toEqual(expected(field, ids));
    if (negative) expect(await members(field.project, { op: 'and', conditions: [field.condition(negative, value)] })).toEqual(complement(field, ids));
  };
  describe(`list operators on a ${field.name}`, () => {
    it('includes compares exactly; excludes is its complement (missing and non-lists included)', () => check('includes', 'a', ['list'], 'excludes'));
    it('includes_any / includes_all', async () => {
      await check('includes_any', ['A', 'zzz'], ['upperList']);
      await check('includes_all', ['a', 'b'], ['list']);
      await check('includes_all', ['a', 'zzz'], []);
    });
  });
}

function behavesLikeDateOperators(field: FieldKind) {
  const check = async (operator: string, value: unknown, ids: string[]) =>
    expect(await members(field.project, { op: 'and', conditions: [field.condition(operator, value)] })).toEqual(expected(field, ids));
  describe(`date operators on a ${field.name}`, () => {
    it('rule 5: a stored date-only value is that day 00:00 UTC; a date-only operand stands for the whole day', async () => {
      await check('on', '2026-01-15', ['dateOnly', 'morning']);
      await check('before', '2026-01-15', []);
      await check('after', '2026-01-15', ['nextDay']);
      await check('between', ['2026-01-15', '2026-01-15'], ['dateOnly', 'morning']);
    });
    it('rule 5: a timestamp operand is an instant', async () => {
      await check('before', '2026-01-15T10:30:00.000Z', ['dateOnly']);
      await check('after', '2026-01-15T10:30:00.000Z', ['nextDay']);
      await check('between', ['2026-01-15T10:30:00.000Z', '2026-01-16T00:00:00.000Z'], ['morning', 'nextDay']);
    });
    it('rule 1: strings that are not ISO dates (a day that does not exist) and numbers never match', () => check('more_than_ago', { amount: 1, unit: 'days' }, ['dateOnly', 'morning', 'nextDay']));
  });
}

function behavesLikeBooleanOperators(field: FieldKind) {
  describe(`boolean operators on a ${field.name}`, () => {
    it('is_true / is_false match booleans only', async () => {
      expect(await members(field.project, { op: 'and', conditions: [field.condition('is_true')] })).toEqual(['yes']);
      expect(await members(field.project, { op: 'and', conditions: [field.condition('is_false')] })).toEqual(['no']);
    });
  });
}

for (const field of FIELDS) {
  behavesLikeStringOperators(field);
  if (field.project !== 'native') {
    behavesLikeNumberOperators(field);
    behavesLikeListOperators(field);
  }
  if (field.project !== 'native' && field.project !== 'answer') {
    behavesLikeDateOperators(field);
    behavesLikeBooleanOperators(field);
  }
}
