/**
 * SPEC §4 "Segments" through the API: the Segments page workflow, dashboards'
 * batch counts, per-user membership, tenant isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { call, KEYS, testApp } from '../support/api.js';
import { openTestWarehouse } from '../support/warehouse.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { ingest } from '../support/ingest.js';
import { seed } from '../../tools/seed.js';
import { compileCounts, compileMembership, prepare } from '../../compiler/index.js';

let app: FastifyInstance;
let warehouse: Warehouse;
let dispose: () => Promise<void>;
let queries = 0;

const attr = (attribute: string, operator: string, value?: unknown) => ({ type: 'attribute', attribute, operator, value });
const tree = (...conditions: object[]) => ({ op: 'and', conditions });
const NOW = '2026-06-15T12:00:00.000Z';

beforeAll(async () => {
  ({ warehouse, dispose } = await openTestWarehouse());
  // Count the queries a request issues, on the real warehouse.
  const query = warehouse.query.bind(warehouse);
  warehouse.query = ((...args: Parameters<typeof query>) => {
    queries++;
    return query(...args);
  }) as typeof warehouse.query;
  app = await testApp(warehouse);
  for (const project of ['alpha', 'beta']) {
    await ingest(warehouse, project, {
      users: [
        { id: 'ann', name: 'Ann', email: 'ann@x.io', attributes: { plan: 'pro' } },
        { id: 'bob', name: 'Bob', attributes: { plan: 'free' } },
        { id: 'cy', email: 'cy@x.io' },
      ] as never,
      events: [{ user_id: 'ann', source: 'api', event: 'purchase', timestamp: '2026-06-01T10:00:00.000Z' }] as never,
      interactions: [], answers: [],
    });
  }
});
afterAll(async () => {
  await app?.close();
  await dispose?.();
});

const create = async (body: object, key: string = KEYS.alpha) => {
  const response = await call(app, 'POST', '/v1/segments', body, key);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
};

describe('the Segments page workflow', () => {
  it('creates a segment with a badge, trims its name, and lists it with its live audience', async () => {
    const created = await create({ name: '  Named users  ', description: 'people with a name', badge: { icon: '🎯', label: 'VIP', color: '#ff0000' }, conditions: tree(attr('name', 'is_not_empty')), author: 'pm@x.io' });
    expect(created).toMatchObject({ name: 'Named users', description: 'people with a name', badge: { icon: '🎯', label: 'VIP', color: '#ff0000' }, version: 1, created_by: 'pm@x.io', updated_by: 'pm@x.io' });
    expect(created.id).toMatch(/^seg_/);
    expect(Date.parse(created.created_at)).toBeGreaterThan(0);
    const list = await call(app, 'GET', '/v1/segments');
    expect(list.body.segments.find((s: { id: string }) => s.id === created.id)).toMatchObject({ name: 'Named users', audience: 2 });
    expect((await call(app, 'GET', `/v1/segments/${created.id}`)).body.conditions).toEqual(tree(attr('name', 'is_not_empty')));
  });

  it('refuses a bad name, a malformed tree (with its path), an unknown nested segment', async () => {
    expect((await call(app, 'POST', '/v1/segments', { name: '   ', conditions: tree() })).status).toBe(400);
    expect((await call(app, 'POST', '/v1/segments', { name: 'x'.repeat(201), conditions: tree() })).status).toBe(400);
    expect((await call(app, 'POST', '/v1/segments', { name: 'x', conditions: tree(attr('name', 'is', 5)) })).body.error).toMatchObject({ code: 'invalid_conditions', path: '/conditions/0/value' });
    expect((await call(app, 'POST', '/v1/segments', { name: 'x', conditions: tree({ type: 'segment', segment: 'nope', operator: 'in' }) })).body.error.code).toBe('unknown_segment');
  });

  it('edits with optimistic concurrency: of two editors holding the same version, the second gets 409', async () => {
    const s = await create({ name: 'Editable', conditions: tree(attr('email', 'is_not_empty')) });
    const [first, second] = await Promise.all([
      call(app, 'PATCH', `/v1/segments/${s.id}`, { name: 'Editor one', version: 1, author: 'one' }),
      call(app, 'PATCH', `/v1/segments/${s.id}`, { name: 'Editor two', version: 1, author: 'two' }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const winner = first.status === 200 ? first.body : second.body;
    expect(winner).toMatchObject({ version: 2 });
    expect((first.status === 409 ? first : second).body.error.code).toBe('stale_version');
    const now = await call(app, 'GET', `/v1/segments/${s.id}`);
    expect(now.body).toMatchObject({ name: winner.name, version: 2, updated_by: winner.updated_by, created_by: null });
    expect((await call(app, 'PATCH', `/v1/segments/${s.id}`, { description: 'no version: last write wins' })).body.version).toBe(3);
  });

  it('keeps every version, and restores an earlier one as the newest', async () => {
    const s = await create({ name: 'History', conditions: tree(attr('name', 'is', 'Ann')) });
    await call(app, 'PATCH', `/v1/segments/${s.id}`, { conditions: tree(attr('name', 'is', 'Bob')), version: 1 });
    const versions = await call(app, 'GET', `/v1/segments/${s.id}/versions`);
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(versions.body.versions[0].conditions).toEqual(tree(attr('name', 'is', 'Ann')));
    const restored = await call(app, 'POST', `/v1/segments/${s.id}/versions/1/restore`, {});
    expect(restored.body).toMatchObject({ version: 3, conditions: tree(attr('name', 'is', 'Ann')) });
    expect((await call(app, 'GET', `/v1/segments/${s.id}/count?now=${NOW}`)).body).toEqual({ count: 1 });
  });

  it('duplicates into an independent segment', async () => {
    const s = await create({ name: 'Original', badge: { label: 'B' }, conditions: tree(attr('name', 'is', 'Ann')) });
    const copy = await call(app, 'POST', `/v1/segments/${s.id}/duplicate`, {});
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ name: 'Original (copy)', badge: { label: 'B' }, version: 1, conditions: tree(attr('name', 'is', 'Ann')) });
    expect(copy.body.id).not.toBe(s.id);
    await call(app, 'PATCH', `/v1/segments/${copy.body.id}`, { conditions: tree(attr('name', 'is', 'Bob')) });
    expect((await call(app, 'GET', `/v1/segments/${s.id}`)).body.conditions).toEqual(tree(attr('name', 'is', 'Ann')));
  });

  it('nests segments, refuses cycles, and protects referenced segments from deletion', async () => {
    const base = await create({ name: 'Base', conditions: tree(attr('email', 'is_not_empty')) });
    const outer = await create({ name: 'Outer', conditions: tree({ type: 'segment', segment: base.id, operator: 'in' }, attr('name', 'is_not_empty')) });
    expect((await call(app, 'GET', `/v1/segments/${outer.id}/count?now=${NOW}`)).body).toEqual({ count: 1 });
    const cycle = await call(app, 'PATCH', `/v1/segments/${base.id}`, { conditions: tree({ type: 'segment', segment: outer.id, operator: 'not_in' }) });
    expect(cycle).toMatchObject({ status: 422, body: { error: { code: 'segment_cycle' } } });
    const self = await call(app, 'PATCH', `/v1/segments/${base.id}`, { conditions: tree({ type: 'segment', segment: base.id, operator: 'in' }) });
    expect(self.body.error.code).toBe('segment_cycle');

    expect((await call(app, 'GET', `/v1/segments/${base.id}`)).body.referenced_by).toEqual([{ id: outer.id, name: 'Outer' }]);
    expect((await call(app, 'GET', `/v1/segments/${outer.id}`)).body.referenced_by).toEqual([]);
    const refused = await call(app, 'DELETE', `/v1/segments/${base.id}`);
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'segment_in_use', referenced_by: [{ id: outer.id, name: 'Outer' }] } } });
    expect((await call(app, 'DELETE', `/v1/segments/${base.id}?force=true`)).status).toBe(200);
    expect((await call(app, 'GET', `/v1/segments/${base.id}`)).status).toBe(404);
    expect((await call(app, 'GET', `/v1/segments/${outer.id}/count`)).body.error.code).toBe('unknown_segment');
    const listed = (await call(app, 'GET', '/v1/segments')).body.segments.find((s: { id: string }) => s.id === outer.id);
    expect(listed).toMatchObject({ audience: null, audience_error: { code: 'unknown_segment' } });
    // A user's memberships leave it out and say why, as counts do.
    const ann = (await call(app, 'GET', '/v1/users/ann')).body;
    expect(ann.segments).not.toContain(outer.id);
    expect(ann.errors).toMatchObject({ [outer.id]: { code: 'unknown_segment' } });
    expect((await call(app, 'GET', `/v1/segments/${base.id}/versions`)).body.versions.at(-1)).toMatchObject({ deleted: true });
  });

  it('evaluates a saved segment: users (keyset pages) and SQL (a filter subquery to embed)', async () => {
    const s = await create({ name: 'Everyone', conditions: tree() });
    const first = await call(app, 'GET', `/v1/segments/${s.id}/users?limit=2&sort=name&order=asc`);
    expect(first.body.users.map((u: { id: string }) => u.id)).toEqual(['ann', 'bob']);
    const second = await call(app, 'GET', `/v1/segments/${s.id}/users?limit=2&sort=name&order=asc&cursor=${encodeURIComponent(first.body.next_cursor)}`);
    expect(second.body).toMatchObject({ users: [{ id: 'cy', name: null }], next_cursor: null });
    const sql = await call(app, 'GET', `/v1/segments/${s.id}/sql?kind=filter`);
    const { rows } = await warehouse.query<{ n: number }>(`SELECT count() AS n FROM (${sql.body.sql})`, sql.body.params);
    expect(Number(rows[0]!.n)).toBe(3);
  });

  it('answers 404 for a segment of another project, or none at all', async () => {
    const s = await create({ name: 'Mine', conditions: tree() });
    expect((await call(app, 'GET', `/v1/segments/${s.id}`, undefined, KEYS.beta)).status).toBe(404);
    expect((await call(app, 'PATCH', `/v1/segments/${s.id}`, { name: 'theirs' }, KEYS.beta)).status).toBe(404);
    expect((await call(app, 'DELETE', `/v1/segments/${s.id}`, undefined, KEYS.beta)).status).toBe(404);
    expect((await call(app, 'GET', '/v1/segments/seg_none/count')).status).toBe(404);
  });
});

describe('dashboards: POST /v1/segments/counts', () => {
  it('counts 50 segments in one request, with one query for all counts', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const conditions = i % 3 === 0 ? tree({ type: 'event', source: 'api', event: 'purchase', operator: 'gte', value: 1 })
        : i % 3 === 1 ? tree({ type: 'custom_attribute', key: 'plan', operator: 'in', value: ['pro', `p${i}`] }) : tree(attr('email', 'is_not_empty'));
      ids.push((await create({ name: `Dashboard ${i}`, conditions })).id);
    }
    queries = 0;
    const { status, body } = await call(app, 'POST', '/v1/segments/counts', { ids, now: NOW });
    expect(status).toBe(200);
    expect(queries).toBeLessThanOrEqual(3); // the segments, their trees for nesting, the counts
    for (const [i, id] of ids.entries()) {
      const single = await call(app, 'GET', `/v1/segments/${id}/count?now=${NOW}`);
      expect(body.counts[id], `segment ${i}`).toBe(single.body.count);
    }
    expect(Object.keys(body.counts)).toHaveLength(50);
  });

  it('counts every segment for a body of {} and for no body at all', async () => {
    const all = await call(app, 'POST', '/v1/segments/counts', {});
    expect(all.status).toBe(200);
    expect(Object.keys(all.body.counts).length).toBeGreaterThanOrEqual(50);
    const bare = await app.inject({ method: 'POST', url: '/v1/segments/counts', headers: { authorization: `Bearer ${KEYS.alpha}` } });
    expect(bare.statusCode, bare.body).toBe(200);
    expect(Object.keys(JSON.parse(bare.body).counts)).toEqual(Object.keys(all.body.counts));
  });

  it('answers 404 naming unknown ids', async () => {
    const response = await call(app, 'POST', '/v1/segments/counts', { ids: ['seg_nope'] });
    expect(response.status).toBe(404);
    expect(response.body.error.message).toContain('seg_nope');
  });
});

describe('GET /v1/users/:id', () => {
  it('returns the user and the ids of exactly the saved segments it belongs to', async () => {
    const pro = await create({ name: 'Pro', conditions: tree({ type: 'custom_attribute', key: 'plan', operator: 'is', value: 'pro' }) }, KEYS.beta);
    const buyers = await create({ name: 'Buyers', conditions: tree({ type: 'event', source: 'api', event: 'purchase' }) }, KEYS.beta);
    const none = await create({ name: 'Nobody', conditions: tree(attr('id', 'is', 'zz')) }, KEYS.beta);
    const ann = await call(app, 'GET', `/v1/users/ann?now=${NOW}`, undefined, KEYS.beta);
    expect(ann.body).toMatchObject({ id: 'ann', name: 'Ann', attributes: { plan: 'pro' } });
    expect([...ann.body.segments].sort()).toEqual([pro.id, buyers.id].sort());
    expect(ann.body.segments).not.toContain(none.id);
    const bob = await call(app, 'GET', `/v1/users/bob`, undefined, KEYS.beta);
    expect(bob.body.segments).toEqual([]);
    expect((await call(app, 'GET', '/v1/users/nobody', undefined, KEYS.beta)).status).toBe(404);
  });

  it('reads and deletes a user whose id is 256 characters of any script (past the router\'s default limit)', async () => {
    const id = 'ü/ 漢'.repeat(64);
    expect(id).toHaveLength(256);
    const written = await call(app, 'POST', '/v1/users', { users: [{ id, name: 'Long' }] }, KEYS.beta);
    expect(written.status, JSON.stringify(written.body)).toBe(200);
    const path = `/v1/users/${encodeURIComponent(id)}`;
    expect((await call(app, 'GET', path, undefined, KEYS.beta)).body).toMatchObject({ id, name: 'Long' });
    // Its behaviour too, under names of 256 characters as multi-byte: the limits count characters.
    const name = 'é'.repeat(256);
    const at = '2026-06-01T00:00:00.000Z';
    for (const [route, rows] of [
      ['/v1/events', { events: [{ user_id: id, source: 'api', event: name, timestamp: at }] }],
      ['/v1/interactions', { interactions: [{ user_id: id, experience: name, interaction: 'seen', timestamp: at }] }],
      ['/v1/answers', { answers: [{ user_id: id, experience: name, step: name, value: 9, timestamp: at }] }],
    ] as const) {
      const response = await call(app, 'POST', route, rows, KEYS.beta);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    }
    const performed = { op: 'and', conditions: [{ type: 'event', source: 'api', event: name }, { type: 'experience', experience: name, interaction: 'seen' }, { type: 'answer', experience: name, step: name, operator: 'eq', value: 9 }] };
    expect((await call(app, 'POST', '/v1/audience/count', { conditions: performed }, KEYS.beta)).body.count).toBe(1);
    expect((await call(app, 'DELETE', path, undefined, KEYS.beta)).status).toBe(200);
    expect((await call(app, 'GET', path, undefined, KEYS.beta)).status).toBe(404);
  });
});

describe('tenant isolation', () => {
  it('never lets two projects with the same user ids and segment names see each other\'s anything', async () => {
    const a = await create({ name: 'Same name', conditions: tree(attr('id', 'is', 'ann')) }, KEYS.alpha);
    const b = await create({ name: 'Same name', conditions: tree(attr('id', 'in', ['ann', 'bob'])) }, KEYS.beta);
    expect((await call(app, 'GET', `/v1/segments/${a.id}/count`, undefined, KEYS.alpha)).body.count).toBe(1);
    expect((await call(app, 'GET', `/v1/segments/${b.id}/count`, undefined, KEYS.beta)).body.count).toBe(2);
    const listA = (await call(app, 'GET', '/v1/segments', undefined, KEYS.alpha)).body.segments.map((s: { id: string }) => s.id);
    expect(listA).toContain(a.id);
    expect(listA).not.toContain(b.id);
    const nestedAcross = await call(app, 'POST', '/v1/audience/count', { conditions: tree({ type: 'segment', segment: b.id, operator: 'in' }) }, KEYS.alpha);
    expect(nestedAcross.body.error.code).toBe('unknown_segment');
    expect((await call(app, 'GET', `/v1/users/ann`, undefined, KEYS.alpha)).body.segments).not.toContain(b.id);
  });
});

describe('membership reads only the user\'s rows', () => {
  it('fits in a row budget of 12 % of the project\'s events, which reading the project breaks', async () => {
    // A month of activity: two monthly partitions, so the few granules per (source, event) that hold the user are few.
    await seed(warehouse, { project: 'big', users: 5_000, events: 1_000_000, interactions: 0, answers: 0, seed: 3, anchor: new Date(NOW), days: 20 });
    const trees = [
      tree({ type: 'event', source: 'jimo', event: 'page_view', operator: 'gte', value: 5 }),
      tree({ type: 'event', source: 'api', event: 'login', window: { in_last: { amount: 30, unit: 'days' } } }, { type: 'custom_attribute', key: 'plan', operator: 'is', value: 'pro' }),
      tree({ type: 'event', source: 'api', event: 'purchase', operator: 'eq', value: 0 }),
    ].map((t) => prepare(t, () => undefined));
    const budget = { max_rows_to_read: 120_000, read_overflow_mode: 'throw' }; // a granule or two per (source, event) and partition
    const membership = compileMembership(trees, 'u42', { project: 'big', now: new Date(NOW) });
    const { rows } = await warehouse.query(membership.sql, membership.params, { settings: budget });
    expect(rows).toHaveLength(1);
    const everyone = compileCounts(trees, { project: 'big', now: new Date(NOW) });
    await expect(warehouse.query(everyone.sql, everyone.params, { settings: budget })).rejects.toThrow();
  }, 120_000);
});

describe('review fixes', () => {
  it('lists segments whose trees are large (three of 1000 conditions), and counts a tree of 300 event conditions', async () => {
    const big = (n: number, offset: number) => ({ op: 'or', conditions: Array.from({ length: n }, (_, i) => ({ type: 'custom_attribute', key: `k${i % 50}`, operator: 'contains', value: `v${offset + i}` })) });
    for (let s = 0; s < 3; s++) await create({ name: `Big ${s}`, conditions: big(1000, s * 1000) });
    const list = await call(app, 'GET', '/v1/segments');
    expect(list.status, JSON.stringify(list.body).slice(0, 300)).toBe(200);
    const events = { op: 'or', conditions: Array.from({ length: 300 }, (_, i) => ({ type: 'event', source: 'api', event: `e${i}`, where: [{ property: 'p', operator: 'is', value: `x${i}` }], window: { in_last: { amount: i + 1, unit: 'days' } }, measure: { sum: 'amount' }, operator: 'gt', value: i })) };
    expect((await call(app, 'POST', '/v1/audience/count', { conditions: events })).status).toBe(200);
  }, 120_000);

  it('counts a dashboard of segments past what the engine parses in one query (10 of 1000 conditions), each its own count, and a member of them', async () => {
    // Users d0 … d9 with n = 0 … 9; segment s leaves out n = 0 … s: each segment has its own count
    // and its own members, so a count or a membership given to the wrong segment across the
    // queries of the split shows.
    await call(app, 'POST', '/v1/users', { users: Array.from({ length: 10 }, (_, k) => ({ id: `d${k}`, attributes: { n: k } })) });
    const segment = (s: number) => ({ op: 'and', conditions: Array.from({ length: 1000 }, (_, i) => ({ type: 'custom_attribute', key: 'n', operator: 'neq', value: i <= s ? i : 100_000 + i })) });
    const ids: string[] = [];
    for (let s = 0; s < 10; s++) ids.push((await create({ name: `Dashboard ${s}`, conditions: segment(s) })).id);
    const counts = await call(app, 'POST', '/v1/segments/counts', { ids });
    expect(counts.status, JSON.stringify(counts.body).slice(0, 300)).toBe(200);
    const alone = await Promise.all(ids.map((_, s) => call(app, 'POST', '/v1/audience/count', { conditions: segment(s) })));
    expect(ids.map((id) => counts.body.counts[id])).toEqual(alone.map((r) => r.body.count));
    expect(new Set(alone.map((r) => r.body.count)).size).toBe(10);
    for (const k of [0, 4, 9]) {
      const member = await call(app, 'GET', `/v1/users/d${k}`);
      expect(member.status).toBe(200);
      expect(ids.filter((id) => member.body.segments.includes(id))).toEqual(ids.filter((_, s) => k > s));
    }
  }, 180_000);

  it('counts a list the engine cannot read, segment by segment: each gets its error, the request does not fail', async () => {
    const wide = (offset: number) => ({ op: 'and', conditions: Array.from({ length: 1000 }, (_, i) => ({ type: 'custom_attribute', key: 'n', operator: 'neq', value: offset + i })) });
    const ids = [(await create({ name: 'Wide 1', conditions: wide(0) })).id, (await create({ name: 'Wide 2', conditions: wide(5000) })).id];
    const small = (await create({ name: 'Small', conditions: tree(attr('name', 'is', 'Ann')) })).id;
    // The engine's budget made small: a query of a 1000-condition tree is too big for it, the
    // store's own small queries are not.
    await warehouse.command('SET max_ast_elements = 5000');
    try {
      const counts = await call(app, 'POST', '/v1/segments/counts', { ids: [...ids, small] });
      expect(counts.status).toBe(200);
      expect(ids.map((id) => counts.body.errors?.[id]?.code)).toEqual(['too_complex', 'too_complex']);
      expect(counts.body.counts[small]).toBe(1);
    } finally {
      await warehouse.command('SET max_ast_elements = 2000000');
    }
  });

  it('takes wide property filters within the limits (1000 conditions of 2 filters), and refuses more than 10 000 filters as too complex', async () => {
    const where = (n: number) => Array.from({ length: n }, (_, i) => ({ property: 'p', operator: 'neq', value: i }));
    const wide = { op: 'or', conditions: Array.from({ length: 1000 }, (_, i) => ({ type: 'event', source: 'api', event: `e${i}`, where: where(2) })) };
    expect((await call(app, 'POST', '/v1/audience/count', { conditions: wide })).status).toBe(200);
    const over = { op: 'and', conditions: [{ type: 'event', source: 'api', event: 'e', where: where(10_000) }, { type: 'event', source: 'api', event: 'f', where: where(1) }] };
    const response = await call(app, 'POST', '/v1/audience/count', { conditions: over });
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: 'too_complex', path: '/conditions/1/where' });
  }, 120_000);

  it('answers 400, not 500, for a forged cursor with multi-byte characters', async () => {
    const response = await call(app, 'POST', '/v1/audience/users', { conditions: tree(), cursor: `eyJ9.${'é'.repeat(43)}` });
    expect(response.status).toBe(400);
  });

  it('pages through users with very long names', async () => {
    await call(app, 'POST', '/v1/users', { users: [{ id: 'long1', name: 'ñ'.repeat(5000) }, { id: 'long2', name: 'ñ'.repeat(5001) }] });
    const conditions = tree(attr('name', 'starts_with', 'ñ'));
    const first = await call(app, 'POST', '/v1/audience/users', { conditions, limit: 1, sort: { by: 'name', order: 'asc' } });
    const second = await call(app, 'POST', '/v1/audience/users', { conditions, limit: 1, sort: { by: 'name', order: 'asc' }, cursor: first.body.next_cursor });
    expect(second.status).toBe(200);
    expect([first.body.users[0].id, second.body.users[0].id]).toEqual(['long1', 'long2']);
  });

  it('duplicates with an empty JSON body, and answers 404 for an overlong segment id', async () => {
    const s = await create({ name: 'Dup me', conditions: tree() });
    const response = await app.inject({ method: 'POST', url: `/v1/segments/${s.id}/duplicate`, headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'application/json' }, payload: '' });
    expect(response.statusCode).toBe(201);
    expect((await call(app, 'GET', `/v1/segments/${'x'.repeat(100)}`)).status).toBe(404);
  });

  it('reads a chain of nested segments deeper than the limit no deeper than the limit, and refuses it as too complex', async () => {
    // Each save checks what lies below it, so a chain grows from its bottom past the depth limit.
    let bottom = await create({ name: 'chain 0', conditions: tree(attr('name', 'is_not_empty')) }, KEYS.beta);
    const head = await create({ name: 'chain head', conditions: tree({ type: 'segment', segment: bottom.id, operator: 'in' }) }, KEYS.beta);
    for (let i = 1; i <= 30; i++) {
      const next = await create({ name: `chain ${i}`, conditions: tree(attr('name', 'is_not_empty')) }, KEYS.beta);
      expect((await call(app, 'PATCH', `/v1/segments/${bottom.id}`, { conditions: tree({ type: 'segment', segment: next.id, operator: 'in' }) }, KEYS.beta)).status).toBe(200);
      bottom = next;
    }
    queries = 0;
    expect((await call(app, 'GET', `/v1/segments/${head.id}/count`, undefined, KEYS.beta)).body.error.code).toBe('too_complex');
    // The segment, then one query a level of references, 20 at most (deeper ones are never expanded).
    expect(queries).toBeLessThanOrEqual(1 + 20);
  });
});
