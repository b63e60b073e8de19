/** `segments seed`: deterministic, realistic, every value type and source present. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed, seededUserId, SEED_EVENTS } from '../../tools/seed.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { openTestWarehouse } from '../support/warehouse.js';

let warehouse: Warehouse;
let dispose: () => Promise<void>;
const anchor = new Date('2026-06-30T00:00:00.000Z');
const sizes = { users: 3_000, events: 40_000, interactions: 5_000, answers: 3_000 };
const progress: string[] = [];

beforeAll(async () => {
  ({ warehouse, dispose } = await openTestWarehouse());
  await seed(warehouse, { project: 's1', ...sizes, seed: 7, anchor, onProgress: (step, done, total) => progress.push(`${step}:${done}/${total}`) });
  await seed(warehouse, { project: 's2', ...sizes, seed: 7, anchor });
  await seed(warehouse, { project: 's3', ...sizes, seed: 8, anchor });
  await seed(warehouse, { project: 's4', ...sizes, seed: 7, anchor, ids: 'uuid' });
});
afterAll(() => dispose());

async function fingerprint(project: string) {
  const { rows } = await warehouse.query<Record<string, string>>(`SELECT
      (SELECT toString(groupBitXor(cityHash64(id, toString(name), toString(email), toString(attributes), toString(traits), toString(created_at)))) FROM users WHERE project = {p:String}) AS users,
      (SELECT toString(groupBitXor(cityHash64(user_id, source, event, timestamp, toString(properties)))) FROM events WHERE project = {p:String}) AS events,
      (SELECT toString(groupBitXor(cityHash64(user_id, experience, interaction, timestamp))) FROM interactions WHERE project = {p:String}) AS interactions,
      (SELECT toString(groupBitXor(cityHash64(user_id, experience, step, toString(value), timestamp))) FROM answers WHERE project = {p:String}) AS answers`,
    { p: project });
  return rows[0];
}

describe('segments seed', () => {
  it('writes exactly the requested numbers of rows and reports progress', async () => {
    const { rows } = await warehouse.query<Record<string, number>>(`SELECT
      (SELECT count() FROM users WHERE project = 's1') AS users, (SELECT count() FROM events WHERE project = 's1') AS events,
      (SELECT count() FROM interactions WHERE project = 's1') AS interactions, (SELECT count() FROM answers WHERE project = 's1') AS answers`);
    expect(Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]))).toEqual(sizes);
    expect(progress).toContain('events:40000/40000');
  });

  it('gives users UUID ids with --ids uuid, the same activity otherwise; every event\'s user exists', async () => {
    const { rows } = await warehouse.query<Record<string, number>>(`SELECT
      (SELECT countIf(match(id, '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')) FROM users WHERE project = 's4') AS uuids,
      (SELECT uniqExact(id) FROM users WHERE project = 's4') AS distinct_ids,
      (SELECT countIf(user_id NOT IN (SELECT id FROM users WHERE project = 's4')) FROM events WHERE project = 's4') AS orphans,
      (SELECT count() FROM events WHERE project = 's4') AS events`);
    expect(Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]))).toEqual({ uuids: sizes.users, distinct_ids: sizes.users, orphans: 0, events: sizes.events });
    const u42 = await seededUserId(warehouse, 42, 'uuid');
    expect(u42).toHaveLength(36);
    const { rows: found } = await warehouse.query(`SELECT id FROM users WHERE project = 's4' AND id = {id:String}`, { id: u42 });
    expect(found).toHaveLength(1);
    expect(await seededUserId(warehouse, 42)).toBe('u42');
  });

  it('is deterministic: the same seed gives the same data, another seed other data', async () => {
    expect(await fingerprint('s1')).toEqual(await fingerprint('s2'));
    expect((await fingerprint('s3'))!.events).not.toBe((await fingerprint('s1'))!.events);
  });

  it('has 30+ attribute keys of every value type, nasty keys included, and Segment.io traits', async () => {
    const { rows } = await warehouse.query<{ path: string; type: string }>(`SELECT DISTINCT arrayJoin(JSONAllPathsWithTypes(attributes)) AS pt, pt.1 AS path, pt.2 AS type
      FROM users WHERE project = 's1'`);
    const keys = new Set(rows.map((r) => r.path));
    expect(keys.size).toBeGreaterThanOrEqual(30);
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set(['String', 'Int64', 'Float64', 'Bool', 'Array(Nullable(String))']));
    expect(keys).toContain('plan%2Etier');
    expect(keys).toContain('discount%25');
    const types = new Map<string, Set<string>>();
    for (const r of rows) types.set(r.path, (types.get(r.path) ?? new Set()).add(r.type));
    expect(types.get('renewal_date')).toEqual(new Set(['String']));
    expect(types.get('mixed')!.size).toBe(3);
    const traits = await warehouse.query<{ n: number }>(`SELECT countIf(length(JSONAllPaths(traits)) > 0) AS n FROM users WHERE project = 's1'`);
    expect(Number(traits.rows[0]!.n)).toBeGreaterThan(1_000);
  });

  it('spreads events over all four sources with Zipf-like popularity, within the year before the anchor', async () => {
    const { rows } = await warehouse.query<{ source: string; event: string; n: number; first: string; last: string }>(`
      SELECT source, event, count() AS n, toString(min(timestamp)) AS first, toString(max(timestamp)) AS last FROM events
      WHERE project = 's1' GROUP BY source, event ORDER BY n DESC`);
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['jimo', 'segmentio', 'posthog', 'api']));
    expect(rows.length).toBeGreaterThan(SEED_EVENTS.length / 2);
    expect(Number(rows[0]!.n)).toBeGreaterThan(10 * Number(rows[rows.length - 1]!.n));
    expect(rows.every((r) => r.first >= '2025-06-30' && r.last <= '2026-06-30 00:00:00.000')).toBe(true);
  });

  it('writes answers of every kind: NPS numbers, text and multiple choice', async () => {
    const { rows } = await warehouse.query<{ t: string }>(`SELECT DISTINCT dynamicType(value) AS t FROM answers WHERE project = 's1' ORDER BY t`);
    expect(rows.map((r) => r.t)).toEqual(['Array(String)', 'Int64', 'String']);
  });
});
