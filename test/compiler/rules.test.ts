/**
 * The named edge cases of SPEC §3, one test each, through the HTTP endpoints
 * on both plan strategies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { call, KEYS, useTestApp } from '../support/api.js';
import { ingest } from '../support/ingest.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { STRATEGIES } from '../../compiler/index.js';
import { toJsonLines } from '../../server/ingest/rows.js';

let app: FastifyInstance;
let warehouse: Warehouse;
const NOW = '2026-03-31T12:00:00.000Z';

useTestApp((ready) => ({ app, warehouse } = ready));
beforeAll(async () => {
  const ids = ['active', 'buyer', 'lurker', 'newbie', 'quiet'];
  await ingest(warehouse, 'alpha', {
    users: ids.map((id) => ({ id })) as never,
    deleted: [{ id: 'gone' }] as never,
    events: [
      { user_id: 'active', source: 'api', event: 'login', timestamp: '2026-03-30T09:00:00.000Z' },
      { user_id: 'active', source: 'api', event: 'login', timestamp: '2026-03-30T10:00:00.000Z' },
      { user_id: 'active', source: 'api', event: 'login', timestamp: '2026-03-01T10:00:00.000Z' },
      { user_id: 'buyer', source: 'api', event: 'purchase', timestamp: '2026-02-28T12:00:00.000Z', properties: { amount: 10, plan: 'pro' } },
      { user_id: 'buyer', source: 'api', event: 'purchase', timestamp: '2026-02-28T11:59:59.999Z', properties: { amount: 20.5, plan: 'free' } },
      { user_id: 'buyer', source: 'api', event: 'purchase', timestamp: '2026-01-10T00:00:00.000Z', properties: { amount: 'n/a' } },
      { user_id: 'lurker', source: 'api', event: 'purchase', timestamp: '2026-03-01T00:00:00.000Z', properties: { plan: 'pro' } },
      { user_id: 'lurker', source: 'jimo', event: 'login', timestamp: '2026-03-01T00:00:00.000Z' },
      { user_id: 'gone', source: 'api', event: 'login', timestamp: '2026-03-30T00:00:00.000Z' },
      { user_id: 'not-yet', source: 'api', event: 'login', timestamp: '2026-03-30T00:00:00.000Z' },
    ] as never,
    interactions: [
      { user_id: 'active', experience: 'tour', interaction: 'seen', timestamp: '2026-03-30T00:00:00.000Z' },
      { user_id: 'active', experience: 'tour', interaction: 'completed', timestamp: '2026-03-30T00:00:00.000Z' },
      { user_id: 'lurker', experience: 'tour', interaction: 'seen', timestamp: '2025-01-01T00:00:00.000Z' },
    ] as never,
    answers: [
      { user_id: 'active', experience: 'nps', step: 'score', value: 10, timestamp: '2026-01-01T00:00:00.000Z' },
      { user_id: 'active', experience: 'nps', step: 'score', value: 6, timestamp: '2026-03-01T00:00:00.000Z' },
      { user_id: 'buyer', experience: 'nps', step: 'score', value: 9, timestamp: '2026-03-01T00:00:00.000Z' },
      { user_id: 'lurker', experience: 'nps', step: 'score', value: 'great', timestamp: '2026-03-01T00:00:00.000Z' },
    ] as never,
  });
});
async function members(...conditions: object[]): Promise<string[]> {
  const tree = { op: 'and', conditions };
  const results = await Promise.all(STRATEGIES.map(async (strategy) => {
    const response = await call(app, 'POST', '/v1/audience/users', { conditions: tree, now: NOW, limit: 1000, strategy });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return (response.body.users as Array<{ id: string }>).map((u) => u.id).sort();
  }));
  expect(results[1], 'naive agrees with single_pass').toEqual(results[0]);
  const count = await call(app, 'POST', '/v1/audience/count', { conditions: tree, now: NOW });
  expect(count.body.count).toBe(results[0]!.length);
  return results[0]!;
}

const event = (rest: object) => ({ type: 'event', source: 'api', ...rest });

describe('SPEC §3 groups', () => {
  it('a root without conditions matches every user of the project (and only existing ones)', async () => {
    expect(await members()).toEqual(['active', 'buyer', 'lurker', 'newbie', 'quiet']);
  });

  it('an empty group, even negated or nested in empty groups, is ignored', async () => {
    expect(await members({ op: 'or', negate: true, conditions: [{ op: 'and', conditions: [] }] }, event({ event: 'purchase' }))).toEqual(['buyer', 'lurker']);
  });

  it('reads {} as an empty group (the published schema does), at the root and inside; an object of other fields is refused', async () => {
    expect(await members({}, { op: 'or', conditions: [{}] })).toEqual(['active', 'buyer', 'lurker', 'newbie', 'quiet']);
    const root = await call(app, 'POST', '/v1/audience/count', { conditions: {}, now: NOW });
    expect(root).toMatchObject({ status: 200, body: { count: 5 } });
    const stray = await call(app, 'POST', '/v1/audience/count', { conditions: { op: 'and', conditions: [{ typ: 'event' }] }, now: NOW });
    expect(stray).toMatchObject({ status: 400, body: { error: { path: '/conditions/0' } } });
  });

  it('negate takes the complement of a group', async () => {
    expect(await members({ op: 'or', negate: true, conditions: [event({ event: 'purchase' }), event({ event: 'login' })] })).toEqual(['newbie', 'quiet']);
  });
});

describe('SPEC §3.3 events', () => {
  it('defaults to "performed at least once"', async () => {
    expect(await members(event({ event: 'login' }))).toEqual(['active']);
  });

  it('"did not perform" (count eq 0) includes users with no events at all, never deleted ones', async () => {
    expect(await members(event({ event: 'login', operator: 'eq', value: 0 }))).toEqual(['buyer', 'lurker', 'newbie', 'quiet']);
  });

  it('identifies an event by (source, event)', async () => {
    expect(await members({ type: 'event', source: 'jimo', event: 'login' })).toEqual(['lurker']);
  });

  it('applies every where filter', async () => {
    expect(await members(event({ event: 'purchase', where: [{ property: 'plan', operator: 'is', value: 'pro' }, { property: 'amount', operator: 'gt', value: 5 }] }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', where: [{ property: 'plan', operator: 'is_not', value: 'pro' }] }))).toEqual(['buyer']);
  });

  it('windows: in_last with calendar months (31 March − 1 month = 28 February, same time of day)', async () => {
    // 2026-02-28T12:00 is in, 11:59:59.999 is not: 2 purchases of buyer become 1.
    expect(await members(event({ event: 'purchase', window: { in_last: { amount: 1, unit: 'months' } }, operator: 'eq', value: 1 }))).toEqual(['buyer', 'lurker']);
    expect(await members(event({ event: 'purchase', window: { in_last: { amount: 1, unit: 'months' } }, operator: 'gte', value: 2 }))).toEqual([]);
  });

  it('windows: more_than_ago, between with a date-only end including that whole day, before and after', async () => {
    expect(await members(event({ event: 'purchase', window: { more_than_ago: { amount: 1, unit: 'months' } } }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', window: { between: ['2026-02-28', '2026-02-28'] }, operator: 'eq', value: 2 }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', window: { before: '2026-02-28' } }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', window: { after: '2026-02-28' } }))).toEqual(['lurker']);
  });

  it('distinct_days counts UTC days', async () => {
    expect(await members(event({ event: 'login', measure: 'distinct_days', operator: 'eq', value: 2 }))).toEqual(['active']);
    // Days are counted only as far as the comparison tells apart (here up to 1): 2 days must still read as more.
    expect(await members(event({ event: 'login', measure: 'distinct_days', operator: 'gt', value: 0.5 }))).toEqual(['active']);
    expect(await members(event({ event: 'login', measure: 'distinct_days', operator: 'neq', value: 0 }))).toEqual(['active']);
    expect(await members(event({ event: 'login', measure: 'distinct_days', operator: 'between', value: [0, 1] }))).toEqual(['buyer', 'lurker', 'newbie', 'quiet']);
    // Counted up to 1 for these: 2 days read as "more than 1", on the right side of each comparison.
    expect(await members(event({ event: 'login', measure: 'distinct_days', operator: 'gt', value: 1 }))).toEqual(['active']);
    expect(await members(event({ event: 'login', measure: 'distinct_days', operator: 'lte', value: 1 }))).toEqual(['buyer', 'lurker', 'newbie', 'quiet']);
    expect(await members(event({ event: 'login', measure: 'distinct_days', operator: 'lt', value: 0.5 }))).toEqual(['buyer', 'lurker', 'newbie', 'quiet']);
  });

  it('sum adds the numeric values only, and is 0 without events', async () => {
    expect(await members(event({ event: 'purchase', measure: { sum: 'amount' }, operator: 'eq', value: 30.5 }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', measure: { sum: 'amount' }, operator: 'lt', value: 1 }))).toEqual(['active', 'lurker', 'newbie', 'quiet']);
  });

  it('avg / min / max are missing without numeric values, and a missing measure matches no operator, neq included', async () => {
    expect(await members(event({ event: 'purchase', measure: { avg: 'amount' }, operator: 'eq', value: 15.25 }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', measure: { min: 'amount' }, operator: 'eq', value: 10 }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', measure: { max: 'amount' }, operator: 'neq', value: 1 }))).toEqual(['buyer']);
  });

  it('a min (max) in a range: values inside it are not enough when one is below (above) it', async () => {
    // buyer's amounts: 10, 20.5 and "n/a"; lurker's purchase has none.
    expect(await members(event({ event: 'purchase', measure: { min: 'amount' }, operator: 'between', value: [11, 30] }))).toEqual([]);
    expect(await members(event({ event: 'purchase', measure: { min: 'amount' }, operator: 'gt', value: 5 }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', measure: { min: 'amount' }, operator: 'gte', value: 20 }))).toEqual([]);
    expect(await members(event({ event: 'purchase', measure: { min: 'amount' }, operator: 'lt', value: 10.5 }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', measure: { max: 'amount' }, operator: 'lt', value: 20.5 }))).toEqual([]);
    expect(await members(event({ event: 'purchase', measure: { max: 'amount' }, operator: 'lte', value: 20.5 }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', measure: { max: 'amount' }, operator: 'eq', value: 10 }))).toEqual([]);
    expect(await members(event({ event: 'purchase', measure: { max: 'amount' }, operator: 'between', value: [20, 21] }))).toEqual(['buyer']);
  });

  it('first_time / last_time take date operators and are missing without events', async () => {
    expect(await members(event({ event: 'purchase', measure: 'first_time', operator: 'before', value: '2026-02-01' }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', measure: 'last_time', operator: 'on', value: '2026-03-01' }))).toEqual(['lurker']);
    expect(await members(event({ event: 'login', measure: 'last_time', operator: 'more_than_ago', value: { amount: 1, unit: 'days' } }))).toEqual(['active']);
    expect(await members(event({ event: 'login', measure: 'last_time', operator: 'more_than_ago', value: { amount: 2, unit: 'days' } }))).toEqual([]);
  });

  it('a first (last) time in a range: events inside it are not enough when one comes before (after) it', async () => {
    // active logged in on 1 March and twice on 30 March.
    expect(await members(event({ event: 'login', measure: 'first_time', operator: 'in_last', value: { amount: 7, unit: 'days' } }))).toEqual([]);
    expect(await members(event({ event: 'login', measure: 'first_time', operator: 'after', value: '2026-02-28' }))).toEqual(['active']);
    expect(await members(event({ event: 'login', measure: 'last_time', operator: 'between', value: ['2026-03-01', '2026-03-02'] }))).toEqual([]);
    expect(await members(event({ event: 'login', measure: 'last_time', operator: 'on', value: '2026-03-30' }))).toEqual(['active']);
    // buyer's purchases: 10 January, 28 February 11:59:59.999 and 12:00:00.000; the bounds are exact.
    expect(await members(event({ event: 'purchase', measure: 'first_time', operator: 'on', value: '2026-01-10' }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', measure: 'last_time', operator: 'between', value: ['2026-01-01', '2026-02-28T11:59:59.999Z'] }))).toEqual([]);
    expect(await members(event({ event: 'purchase', measure: 'last_time', operator: 'between', value: ['2026-01-01', '2026-02-28T12:00:00.000Z'] }))).toEqual(['buyer']);
    expect(await members(event({ event: 'purchase', measure: 'first_time', operator: 'after', value: '2026-01-10T00:00:00.000Z' }))).toEqual(['lurker']);
  });

  it("counts a user's events logged before the user was identified", async () => {
    expect(await members({ type: 'attribute', attribute: 'id', operator: 'is', value: 'not-yet' })).toEqual([]);
    await call(app, 'POST', '/v1/users', { users: [{ id: 'not-yet' }] });
    expect(await members(event({ event: 'login', window: { in_last: { amount: 7, unit: 'days' } } }))).toEqual(['active', 'not-yet']);
    await call(app, 'DELETE', '/v1/users/not-yet');
  });
});

describe('SPEC §3.4 experiences and answers', () => {
  it('seen / not_seen, not_ being the exact complement (users without interactions included)', async () => {
    expect(await members({ type: 'experience', experience: 'tour', interaction: 'seen' })).toEqual(['active', 'lurker']);
    expect(await members({ type: 'experience', experience: 'tour', interaction: 'not_seen' })).toEqual(['buyer', 'newbie', 'quiet']);
    expect(await members({ type: 'experience', experience: 'tour', interaction: 'not_completed' })).toEqual(['buyer', 'lurker', 'newbie', 'quiet']);
  });

  it('within reads as in_last', async () => {
    expect(await members({ type: 'experience', experience: 'tour', interaction: 'seen', within: { amount: 30, unit: 'days' } })).toEqual(['active']);
  });

  it('answered / not_answered', async () => {
    expect(await members({ type: 'answer', experience: 'nps', step: 'score', operator: 'answered' })).toEqual(['active', 'buyer', 'lurker']);
    expect(await members({ type: 'answer', experience: 'nps', step: 'score', operator: 'not_answered' })).toEqual(['newbie', 'quiet']);
  });

  it('compares the latest answer only, and only respondents match, negatives included', async () => {
    expect(await members({ type: 'answer', experience: 'nps', step: 'score', operator: 'gte', value: 9 })).toEqual(['buyer']);
    expect(await members({ type: 'answer', experience: 'nps', step: 'score', operator: 'neq', value: 9 })).toEqual(['active', 'lurker']);
    expect(await members({ type: 'answer', experience: 'nps', step: 'score', operator: 'is_not', value: 'great' })).toEqual(['active', 'buyer']);
  });

  it('the latest answer is read whole: an older value of another type does not show through, lists included', async () => {
    await ingest(warehouse, 'alpha', {
      users: [], events: [], interactions: [],
      answers: [
        { user_id: 'newbie', experience: 'nps2', step: 'q', value: 9, timestamp: '2026-03-01T00:00:00.000Z' },
        { user_id: 'newbie', experience: 'nps2', step: 'q', value: 'meh', timestamp: '2026-03-02T00:00:00.000Z' },
        { user_id: 'active', experience: 'nps2', step: 'q', value: ['a', 'b'], timestamp: '2026-03-01T00:00:00.000Z' },
        { user_id: 'active', experience: 'nps2', step: 'q', value: ['c'], timestamp: '2026-03-02T00:00:00.000Z' },
      ] as never,
    });
    const q = (operator: string, value: unknown) => members({ type: 'answer', experience: 'nps2', step: 'q', operator, value });
    expect(await q('gte', 9)).toEqual([]);
    expect(await q('is', 'meh')).toEqual(['newbie']);
    expect(await q('includes', 'c')).toEqual(['active']);
    expect(await q('includes', 'a')).toEqual([]);
  });

  it('answers tied on the timestamp: one of them is the latest, the same in every query and strategy', async () => {
    await ingest(warehouse, 'alpha', {
      users: [], events: [], interactions: [],
      answers: [5, 9, 7].map((value) => ({ user_id: 'quiet', experience: 'nps3', step: 'q', value, timestamp: '2026-03-01T00:00:00.000Z' })) as never,
    });
    const matches = await Promise.all([5, 7, 9].map(async (value) => (await members({ type: 'answer', experience: 'nps3', step: 'q', operator: 'eq', value })).length));
    expect(matches.reduce((a, b) => a + b)).toBe(1);
    for (let i = 0; i < 3; i++) {
      expect(await Promise.all([5, 7, 9].map(async (value) => (await members({ type: 'answer', experience: 'nps3', step: 'q', operator: 'eq', value })).length))).toEqual(matches);
    }
  });

  it('answers of different types tied on the timestamp: every operator family agrees which is the latest', async () => {
    await ingest(warehouse, 'alpha', {
      users: [], events: [], interactions: [],
      answers: [5, 'five', ['x']].map((value) => ({ user_id: 'quiet', experience: 'mixed', step: 'q', value, timestamp: '2026-03-01T00:00:00.000Z' })) as never,
    });
    const holds = async (operator: string, value: unknown) => (await members({ type: 'answer', experience: 'mixed', step: 'q', operator, value })).includes('quiet');
    const positives = [await holds('eq', 5), await holds('is', 'five'), await holds('includes', 'x')];
    expect(positives).toEqual([true, false, false]); // a number first (docs/conditions.md)
    // "Answered, and the positive does not match": exactly the complements among respondents.
    expect([await holds('neq', 5), await holds('is_not', 'five'), await holds('excludes', 'x')]).toEqual(positives.map((p) => !p));
    // Then a string before a list.
    await ingest(warehouse, 'alpha', {
      users: [], events: [], interactions: [],
      answers: [['y'], 'why'].map((value) => ({ user_id: 'quiet', experience: 'mixed', step: 'r', value, timestamp: '2026-03-01T00:00:00.000Z' })) as never,
    });
    const holdsR = async (operator: string, value: unknown) => (await members({ type: 'answer', experience: 'mixed', step: 'r', operator, value })).includes('quiet');
    expect([await holdsR('is', 'why'), await holdsR('includes', 'y'), await holdsR('is_not', 'why'), await holdsR('excludes', 'y')]).toEqual([true, false, false, true]);
  });

  it('the latest answer inside within', async () => {
    expect(await members({ type: 'answer', experience: 'nps', step: 'score', operator: 'eq', value: 10, within: { amount: 6, unit: 'months' } })).toEqual([]);
  });
});

describe('SPEC §3.5 nested segments', () => {
  beforeAll(async () => {
    const segment = (id: string, conditions: object) => ({
      project: 'alpha', id, name: id, description: '', badge: '{}', conditions: JSON.stringify(conditions),
      created_at: '2026-01-01 00:00:00.000', updated_at: '2026-01-01 00:00:00.000', version: 1,
    });
    await warehouse.insert({ table: 'segments', format: 'JSONEachRow' }, toJsonLines([
      segment('buyers', { op: 'and', conditions: [event({ event: 'purchase' })] }),
      segment('pro_buyers', { op: 'and', conditions: [{ type: 'segment', segment: 'buyers', operator: 'in' }, event({ event: 'purchase', where: [{ property: 'plan', operator: 'is', value: 'pro' }] })] }),
      segment('loop_a', { op: 'and', conditions: [{ type: 'segment', segment: 'loop_b', operator: 'in' }] }),
      segment('loop_b', { op: 'and', conditions: [{ type: 'segment', segment: 'loop_a', operator: 'not_in' }] }),
      segment('self', { op: 'and', conditions: [{ type: 'segment', segment: 'self', operator: 'in' }] }),
    ]));
  });

  it('in matches the members of the saved segment as it stands now; not_in the complement', async () => {
    expect(await members({ type: 'segment', segment: 'pro_buyers', operator: 'in' })).toEqual(['buyer', 'lurker']);
    expect(await members({ type: 'segment', segment: 'buyers', operator: 'not_in' })).toEqual(['active', 'newbie', 'quiet']);
  });

  it('an unknown segment is a 422 unknown_segment naming the node', async () => {
    const response = await call(app, 'POST', '/v1/audience/count', { conditions: { op: 'and', conditions: [{ type: 'segment', segment: 'nope', operator: 'in' }] } });
    expect(response).toMatchObject({ status: 422, body: { error: { code: 'unknown_segment', path: '/conditions/0/segment' } } });
  });

  it('a segment of another project is unknown here', async () => {
    const response = await call(app, 'POST', '/v1/audience/count', { conditions: { op: 'and', conditions: [{ type: 'segment', segment: 'buyers', operator: 'in' }] } }, KEYS.beta);
    expect(response.status).toBe(422);
  });

  it('a cycle (A → B → A, or A → A) is a 422 segment_cycle', async () => {
    for (const id of ['loop_a', 'self']) {
      const response = await call(app, 'POST', '/v1/audience/count', { conditions: { op: 'and', conditions: [{ type: 'segment', segment: id, operator: 'in' }] } });
      expect(response).toMatchObject({ status: 422, body: { error: { code: 'segment_cycle' } } });
    }
  });
});

describe('SPEC §3.2 rule 6 and rule 5 at the edges', () => {
  beforeAll(async () => {
    const response = await call(app, 'POST', '/v1/users', { users: [
      { id: 'huge', attributes: {
        n: 2e19, neg: -1e19, max: 1.7976931348623157e308, old: '1960-01-01', ancient: '0050-01-01',
        birth: '1850-05-05', far: '2400-01-01T00:00:00Z', last: '9999-12-31T23:59:59.999Z', zero: '0000-01-01',
        east: '2026-01-15T10:30:00+18:00', half: '2026-01-15T10:30:00+0530', tooEast: '2026-01-15T10:30:00+18:30', badMinutes: '2026-01-15T10:30:00+05:99', badHours: '2026-01-15T10:30:00+25:00',
      } },
    ] });
    expect(response.status).toBe(200);
    await call(app, 'POST', '/v1/answers', { answers: [{ user_id: 'huge', experience: 'big', step: 'n', value: 2e19, timestamp: '2026-01-01T00:00:00Z' }] });
    // Days at the edges: before 1970 (negative milliseconds), around its midnight, and the first and last days held.
    const days = ['0001-01-01T00:00:00.000Z', '0001-01-01T23:59:59.999Z', '1969-12-31T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z'];
    const events = await call(app, 'POST', '/v1/events', { events: [
      ...days.map((timestamp) => ({ user_id: 'huge', source: 'api', event: 'edge_days', timestamp })),
      { user_id: 'huge', source: 'api', event: 'proto', timestamp: '2026-01-01T00:00:00Z', properties: Object.fromEntries([['__proto__', 'x']]) },
    ] });
    expect(events.status, JSON.stringify(events.body)).toBe(200);
  });
  afterAll(() => call(app, 'DELETE', '/v1/users/huge'));

  const custom = (key: string, operator: string, value: unknown) => ({ type: 'custom_attribute', key, operator, value });

  it('stores integers beyond 64 bits as the doubles they are, and compares with any finite number', async () => {
    expect(await members(custom('n', 'gt', 1e19))).toEqual(['huge']);
    expect(await members(custom('n', 'eq', 2e19))).toEqual(['huge']);
    expect(await members(custom('neg', 'lt', -9e18))).toEqual(['huge']);
    expect(await members(custom('max', 'gte', 1.7976931348623157e308))).toEqual(['huge']);
    expect(await members(custom('n', 'lt', 1e21), custom('n', 'gt', 1e16))).toEqual(['huge']);
    expect(await members({ type: 'answer', experience: 'big', step: 'n', operator: 'gt', value: 1e19 })).toEqual(['huge']);
  });

  it('accepts durations reaching before 1900 and counts calendar months back to the first century', async () => {
    expect(await members(custom('old', 'in_last', { amount: 1_000_000, unit: 'days' }))).toEqual(['huge']);
    expect(await members(custom('old', 'more_than_ago', { amount: 23_500, unit: 'months' }))).toEqual([]);
    expect(await members({ type: 'event', source: 'api', event: 'login', window: { in_last: { amount: 1_000_000, unit: 'weeks' } } })).toEqual(['active']);
  });

  it('reads an event property named __proto__ like any other', async () => {
    const where = [{ property: '__proto__', operator: 'is', value: 'x' }];
    expect(await members({ type: 'event', source: 'api', event: 'proto', where })).toEqual(['huge']);
  });

  it('counts distinct UTC days exactly across 1970 (an event at the epoch itself included) and at the first and last days held', async () => {
    const days = (operator: string, value: number) => members({ type: 'event', source: 'api', event: 'edge_days', measure: 'distinct_days', operator, value });
    expect(await days('eq', 4)).toEqual(['huge']);
    expect(await days('gt', 4)).toEqual([]);
  });

  it('reads dates of the years 0001–9999 exactly, before 1900 and after 2299 included', async () => {
    expect(await members(custom('birth', 'in_last', { amount: 3000, unit: 'months' }))).toEqual(['huge']); // now − 250 years: 1776
    expect(await members(custom('birth', 'more_than_ago', { amount: 1_000_000, unit: 'weeks' }))).toEqual([]);
    expect(await members(custom('birth', 'before', '1850-01-01'))).toEqual([]);
    expect(await members(custom('birth', 'after', '1800-01-01'))).toEqual(['huge']);
    expect(await members(custom('birth', 'on', '1850-05-05'))).toEqual(['huge']);
    expect(await members(custom('ancient', 'between', ['0049-12-31', '0050-01-01']))).toEqual(['huge']);
    expect(await members(custom('far', 'after', '2299-12-31'))).toEqual(['huge']);
    expect(await members(custom('far', 'in_last', { amount: 1_000_000, unit: 'months' }))).toEqual([]);
    // The day after 9999-12-31 is past every stored instant: nothing is after it, everything before it.
    expect(await members(custom('last', 'after', '9999-12-31'))).toEqual([]);
    expect(await members(custom('last', 'before', '9999-12-31T23:59:59.999Z'))).toEqual([]);
    expect(await members(custom('last', 'on', '9999-12-31'))).toEqual(['huge']);
    expect(await members(custom('last', 'more_than_ago', { amount: 1_000_000, unit: 'months' }))).toEqual([]);
    // Year 0000 is not a date (docs/conditions.md): the engine's parser would read it as this year.
    expect(await members(custom('zero', 'after', '1000-01-01'))).toEqual([]);
    expect(await members(custom('zero', 'in_last', { amount: 1_000_000, unit: 'months' }))).toEqual([]);
    expect(await members(custom('zero', 'is', '0000-01-01'))).toEqual(['huge']);
  });

  it('reads a stored timestamp with a UTC offset the API accepts (up to ±18:00), and no other, as a date', async () => {
    expect(await members(custom('east', 'on', '2026-01-14'))).toEqual(['huge']); // 16:30 the day before, UTC
    expect(await members(custom('half', 'before', '2026-01-15T05:00:00.001Z'))).toEqual(['huge']);
    for (const key of ['tooEast', 'badMinutes', 'badHours']) {
      expect(await members(custom(key, 'before', '9999-01-01')), key).toEqual([]);
      expect(await members(custom(key, 'is_not_empty', undefined)), key).toEqual(['huge']);
    }
  });
});

describe('SPEC §3.6 validation and limits', () => {
  const bad = async (conditions: unknown) => call(app, 'POST', '/v1/audience/count', { conditions });
  const condition = { type: 'attribute', attribute: 'name', operator: 'is', value: 'x' };

  it('names the JSON pointer of the offending node', async () => {
    const cases: Array<[unknown, string]> = [
      [{ op: 'and', conditions: [condition, condition, { ...condition, value: 3 }] }, '/conditions/2/value'],
      [{ op: 'and', conditions: [{ ...condition, type: 'nope' }] }, '/conditions/0/type'],
      [{ op: 'and', conditions: [{ ...condition, attribute: 'age' }] }, '/conditions/0/attribute'],
      [{ op: 'and', conditions: [{ ...condition, operator: 'gt' }] }, '/conditions/0/operator'],
      [{ op: 'xor', conditions: [] }, '/op'],
      [{ op: 'and', conditions: [{ type: 'attribute', attribute: 'created_at', operator: 'before', value: '2026-13-01' }] }, '/conditions/0/value'],
      [{ op: 'and', conditions: [{ op: 'or', conditions: [event({ event: 'e', measure: 'first_time', operator: 'before', value: '2026-01-01', window: { in_last: { amount: 1, unit: 'days' } } })] }] }, '/conditions/0/conditions/0/window'],
      [{ op: 'and', conditions: [{ type: 'custom_attribute', key: 'k', operator: 'in', value: [] }] }, '/conditions/0/value'],
      [{ op: 'and', conditions: [event({ event: 'e', where: [{ property: 'p', operator: 'in_last', value: { amount: 1, unit: 'years' } }] })] }, '/conditions/0/where/0/value/unit'],
      [{ op: 'and', conditions: [event({ event: 'e', value: 3 })] }, '/conditions/0/operator'],
      [{ op: 'and', conditions: [event({ event: 'e', window: { 'a/b': 1 } })] }, '/conditions/0/window/a~1b'],
    ];
    for (const [conditions, path] of cases) {
      const response = await bad(conditions);
      expect(response.status, JSON.stringify(conditions)).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'invalid_conditions', path });
    }
  });

  // Long trees are planned in a shape ClickHouse plans quickly (compiler/plan.ts: allOf, OWN_PASSES);
  // these pin down that the shapes keep the exact answer.
  it('a conjunction of 1000 answer conditions, written as the negated disjunction of their negations, keeps its members', async () => {
    const conditions = [
      { type: 'answer', experience: 'nps', step: 'score', operator: 'gte', value: 7 },
      ...Array.from({ length: 999 }, (_, i) => ({ type: 'answer', experience: 'nps', step: 'score', operator: 'neq', value: 100 + i })),
    ];
    expect(await members({ op: 'and', conditions })).toEqual(['buyer']);
    expect(await members({ op: 'and', negate: true, conditions })).toEqual(['active', 'lurker', 'newbie', 'quiet']);
    const { body } = await call(app, 'POST', '/v1/audience/sql', { conditions: { op: 'and', conditions }, now: NOW });
    expect(body.sql).toContain('NOT (NOT (');
  });

  it('conditions reading event properties in 30 branches share passes past the first 8, and keep their members', async () => {
    const branch = (i: number) => ({ op: 'and', conditions: [
      { type: 'custom_attribute', key: `k${i}`, operator: 'is_empty' },
      event({ event: 'purchase', where: [{ property: 'amount', operator: 'gt', value: -i }], operator: 'gte', value: 2 }),
    ] });
    const conditions = Array.from({ length: 30 }, (_, i) => branch(i));
    expect(await members({ op: 'or', conditions })).toEqual(['buyer']);
    const { body } = await call(app, 'POST', '/v1/audience/sql', { conditions: { op: 'or', conditions }, now: NOW });
    expect(body.sql.match(/LEFT JOIN/g)).toHaveLength(9);
  });

  it('a tree deeper than 20 groups is a 422 too_complex', async () => {
    let deep: object = { op: 'and', conditions: [condition] };
    for (let i = 0; i < 20; i++) deep = { op: i % 2 ? 'and' : 'or', negate: true, conditions: [deep] };
    expect((await bad(deep)).body.error.code).toBe('too_complex');
  });

  it('more than 1000 conditions after nested segments are expanded is a 422 too_complex', async () => {
    const many = { op: 'or', conditions: Array.from({ length: 1001 }, (_, i) => ({ ...condition, value: `v${i}` })) };
    expect(await bad(many)).toMatchObject({ status: 422, body: { error: { code: 'too_complex' } } });
    const fits = { op: 'or', conditions: Array.from({ length: 1000 }, (_, i) => ({ ...condition, value: `v${i}` })) };
    expect((await bad(fits)).status).toBe(200);
  });
});
