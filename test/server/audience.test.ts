/** SPEC §4 "Audiences": count, users (keyset pagination), sql. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { call, KEYS, useTestApp } from '../support/api.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { UserStore } from '../../server/ingest/users.js';
import { SORT_FIELDS } from '../../compiler/index.js';
import { Cursors } from '../../server/audience/cursor.js';
import { projectFigures } from '../../server/audience/audiences.js';

let app: FastifyInstance;
let warehouse: Warehouse;
const everyone = { op: 'and', conditions: [] };
const N = 57;

useTestApp((ready) => ({ app, warehouse } = ready));
beforeAll(async () => {
  // Duplicate and missing sort values on purpose: ties break by id, missing values come last.
  await new UserStore(warehouse).upsert('alpha', Array.from({ length: N }, (_, i) => ({
    id: `user-${String(i).padStart(3, '0')}`,
    name: i % 7 === 0 ? null : ['Ada', 'bob', 'Álvaro', 'Zoë'][i % 4],
    email: i % 5 === 0 ? null : `u${i % 9}@x.io`,
    created_at: i % 6 === 0 ? null : `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00.000Z`,
    last_activity_at: i % 3 === 0 ? null : `2026-02-0${1 + (i % 3)}T10:00:00.${String(i).padStart(3, '0')}Z`,
    sessions: i % 4 === 0 ? null : i % 10,
    attributes: { i },
  })));
  await new UserStore(warehouse).upsert('beta', [{ id: 'user-000', name: 'other project' }]);
});
describe('POST /v1/audience/count', () => {
  it('counts the project\'s users only', async () => {
    expect(await call(app, 'POST', '/v1/audience/count', { conditions: everyone })).toEqual({ status: 200, body: { count: N } });
    expect(await call(app, 'POST', '/v1/audience/count', { conditions: everyone }, KEYS.beta)).toEqual({ status: 200, body: { count: 1 } });
  });

  it('reads now: null as the server clock, as a client serializing an unset field sends it', async () => {
    expect(await call(app, 'POST', '/v1/audience/count', { conditions: everyone, now: null })).toEqual({ status: 200, body: { count: N } });
    expect((await call(app, 'POST', '/v1/audience/users', { conditions: everyone, now: null, limit: 1 })).status).toBe(200);
    expect((await call(app, 'POST', '/v1/segments/counts', { now: null })).status).toBe(200);
  });

  it('refuses a body without conditions, or with a bad now', async () => {
    expect((await call(app, 'POST', '/v1/audience/count', {})).body.error.path).toBe('/conditions');
    expect((await call(app, 'POST', '/v1/audience/count', { conditions: everyone, now: 'soon' })).body.error.path).toBe('/now');
  });
});

describe('POST /v1/audience/users', () => {
  it('returns every field of each user, a missing one as null', async () => {
    const { body } = await call(app, 'POST', '/v1/audience/users', { conditions: everyone, limit: 1 });
    expect(body.users[0]).toEqual({
      id: 'user-000', name: null, email: null, language: null, created_at: null, first_seen_at: null, last_activity_at: null,
      sessions: null, tags: null, attributes: { i: 0 }, traits: {},
    });
    expect(typeof body.next_cursor).toBe('string');
  });

  for (const by of SORT_FIELDS) {
    for (const order of ['asc', 'desc'] as const) {
      it(`visits every matching user exactly once, in order, sorted by ${by} ${order}`, async () => {
        const seen: Array<Record<string, unknown>> = [];
        let cursor: string | undefined;
        for (let page = 0; page < 100; page++) {
          const { status, body } = await call(app, 'POST', '/v1/audience/users', { conditions: everyone, limit: 8, sort: { by, order }, ...(cursor ? { cursor } : {}) });
          expect(status).toBe(200);
          seen.push(...body.users);
          cursor = body.next_cursor ?? undefined;
          if (!cursor) break;
        }
        expect(seen.map((u) => u.id).sort()).toEqual(Array.from({ length: N }, (_, i) => `user-${String(i).padStart(3, '0')}`));
        const expectedOrder = [...seen].sort((a, b) => compareUsers(a, b, by, order));
        expect(seen.map((u) => u.id)).toEqual(expectedOrder.map((u) => u.id));
      });
    }
  }

  it('reads a cursor of null or "" as the first page, so a client can echo next_cursor from the start', async () => {
    const first = await call(app, 'POST', '/v1/audience/users', { conditions: everyone, limit: 3 });
    for (const cursor of [null, '']) {
      const { status, body } = await call(app, 'POST', '/v1/audience/users', { conditions: everyone, limit: 3, cursor });
      expect(status).toBe(200);
      expect(body.users).toEqual(first.body.users);
    }
  });

  it('refuses a tampered cursor and a cursor of other conditions', async () => {
    const { body } = await call(app, 'POST', '/v1/audience/users', { conditions: everyone, limit: 2 });
    const [data, signature] = (body.next_cursor as string).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(data!, 'base64url').toString()), after: { missing: false, value: null, id: 'user-050' } })).toString('base64url');
    expect((await call(app, 'POST', '/v1/audience/users', { conditions: everyone, cursor: `${forged}.${signature}` })).body.error).toMatchObject({ code: 'invalid_request', path: '/cursor' });
    const other = { op: 'and', conditions: [{ type: 'attribute', attribute: 'name', operator: 'is_not_empty' }] };
    expect((await call(app, 'POST', '/v1/audience/users', { conditions: other, cursor: body.next_cursor, limit: 2 })).status).toBe(400);
    expect((await call(app, 'POST', '/v1/audience/users', { conditions: everyone, cursor: body.next_cursor }, KEYS.beta)).status).toBe(400);
  });

  it('continues a walk sent with the keys of the body in another order and its defaults left out', async () => {
    const tree = { op: 'and', conditions: [{ type: 'custom_attribute', key: 'i', operator: 'gte', value: 10 }] };
    const walk = await call(app, 'POST', '/v1/audience/users', { conditions: tree, limit: 10, sort: { by: 'name', order: 'asc' } });
    const first = await call(app, 'POST', '/v1/audience/users', { conditions: tree, limit: 5, sort: { by: 'name', order: 'asc' } });
    // No op (and), the default source and strategy written out, every object's keys reversed.
    const same = { conditions: [{ value: 10, operator: 'gte', source: 'jimo', key: 'i', type: 'custom_attribute' }] };
    const next = await call(app, 'POST', '/v1/audience/users', { sort: { order: 'asc', by: 'name' }, cursor: first.body.next_cursor, limit: 5, conditions: same, strategy: 'single_pass' });
    expect(next.status).toBe(200);
    expect([...first.body.users, ...next.body.users].map((u: { id: string }) => u.id)).toEqual(walk.body.users.map((u: { id: string }) => u.id));
    // A different tree still cannot use it.
    const other = { conditions: { conditions: [{ value: 11, operator: 'gte', key: 'i', type: 'custom_attribute' }] }, sort: { by: 'name' }, cursor: first.body.next_cursor };
    expect((await call(app, 'POST', '/v1/audience/users', other)).body.error).toMatchObject({ path: '/cursor' });
  });

  it('follows a cursor past a sort value of a million characters (names have no length limit)', async () => {
    await new UserStore(warehouse).upsert('beta', [{ id: 'long', name: 'H'.repeat(1_000_000), attributes: { long: true } }, { id: 'short', name: 'I', attributes: { long: true } }]);
    const body = { conditions: { op: 'and', conditions: [{ type: 'custom_attribute', key: 'long', operator: 'is_true' }] }, limit: 1, sort: { by: 'name', order: 'asc' } };
    const first = await call(app, 'POST', '/v1/audience/users', body, KEYS.beta);
    expect(first.body.users.map((u: { id: string }) => u.id)).toEqual(['long']);
    expect(first.body.next_cursor.length).toBeGreaterThan(1_048_576);
    const next = await call(app, 'POST', '/v1/audience/users', { ...body, cursor: first.body.next_cursor }, KEYS.beta);
    expect(next).toMatchObject({ status: 200, body: { users: [{ id: 'short' }], next_cursor: null } });
  });

  it('refuses a signed cursor whose state the server could not have issued (the default keys make the secret public)', async () => {
    const cursors = Cursors.fromKeys(new Map([[KEYS.alpha, 'alpha'], [KEYS.beta, 'beta']]));
    const body = { conditions: everyone, limit: 2, sort: { by: 'created_at', order: 'asc' } } as const;
    const { body: first } = await call(app, 'POST', '/v1/audience/users', body);
    const [data] = (first.next_cursor as string).split('.');
    const state = JSON.parse(Buffer.from(data!, 'base64url').toString());
    const at = (value: string) => ({ ...state, after: { ...state.after, value } });
    for (const forged of [{ ...state, after: { ...state.after, value: { a: 1 } } }, at('not a date'), at('2026-01-15T10:30:00+05'), at('2026-01-15 10:30:00+05:00'), at('2026-01-15 10:30Z'), at('2026-02-30 10:30:00.000'),
      { ...state, after: { ...state.after, id: 5 } }, { ...state, now: 'garbage' }, { ...state, after: null }, 'a string']) {
      const cursor = cursors.encode('alpha', forged as never);
      const response = await call(app, 'POST', '/v1/audience/users', { ...body, cursor });
      expect(response, JSON.stringify(forged)).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', path: '/cursor' } } });
    }
    // The genuine state, signed the same way, is read.
    expect((await call(app, 'POST', '/v1/audience/users', { ...body, cursor: cursors.encode('alpha', state) })).status).toBe(200);
  });

  it('bounds limit to 1–1000', async () => {
    expect((await call(app, 'POST', '/v1/audience/users', { conditions: everyone, limit: 0 })).status).toBe(400);
    expect((await call(app, 'POST', '/v1/audience/users', { conditions: everyone, limit: 1001 })).status).toBe(400);
  });
});

describe('POST /v1/audience/sql', () => {
  const tree = { op: 'and', conditions: [{ type: 'custom_attribute', key: "x'); DROP TABLE users; --", operator: 'is', value: "'; DROP TABLE users; --" }] };

  it('returns the exact SQL with its parameters, and a readable version that runs the same', async () => {
    const { body } = await call(app, 'POST', '/v1/audience/sql', { conditions: { op: 'and', conditions: [{ type: 'attribute', attribute: 'name', operator: 'is', value: 'Ada' }] } });
    expect(body.sql).toContain('{p');
    expect(Object.values(body.params)).toContain('Ada');
    expect(body.pretty).toContain('/* /conditions/0 */');
    const exact = await warehouse.query<{ count: number }>(body.sql, body.params);
    const pretty = await warehouse.query<{ count: number }>(body.pretty, body.params);
    expect(Number(pretty.rows[0]!.count)).toBe(Number(exact.rows[0]!.count));
    expect(Number(exact.rows[0]!.count)).toBeGreaterThan(0);
  });

  it('leaves SQL past 128 KiB unformatted (formatting it held the event loop for seconds), still runnable', async () => {
    const conditions = { op: 'or', conditions: Array.from({ length: 1000 }, (_, i) => ({ type: 'event', source: 'api', event: `e${i}`, where: [{ property: 'p', operator: 'is', value: `v${i}` }], operator: 'gte', value: 2 })) };
    const { body } = await call(app, 'POST', '/v1/audience/sql', { conditions });
    expect(body.sql.length).toBeGreaterThan(128 * 1024);
    expect(body.pretty).toBe(`-- ${body.sql.length} characters: too long to format here (segments compile formats any length)\n${body.sql}`);
  });

  it('never puts a value or a key into the SQL text', async () => {
    const { body } = await call(app, 'POST', '/v1/audience/sql', { conditions: tree });
    expect(body.sql).not.toContain('DROP');
    expect(JSON.stringify(body.params)).toContain('DROP TABLE');
  });

  it('kind "filter" is a subquery of member ids a data engineer can embed', async () => {
    const { body } = await call(app, 'POST', '/v1/audience/sql', { conditions: { op: 'and', conditions: [{ type: 'attribute', attribute: 'sessions', operator: 'gte', value: 5 }] }, kind: 'filter' });
    const embedded = await warehouse.query<{ n: number }>(`SELECT count() AS n FROM users FINAL WHERE project = 'alpha' AND id IN (${body.sql})`, body.params);
    const count = await call(app, 'POST', '/v1/audience/count', { conditions: { op: 'and', conditions: [{ type: 'attribute', attribute: 'sessions', operator: 'gte', value: 5 }] } });
    expect(Number(embedded.rows[0]!.n)).toBe(count.body.count);
  });

  it('kind "filter" keeps its meaning where an engineer runs it with join_use_nulls = 1', async () => {
    const conditions = { op: 'and', conditions: [{ type: 'experience', experience: 'never', interaction: 'not_seen' }, { type: 'answer', experience: 'x', step: 'y', operator: 'not_answered' }] };
    const { body } = await call(app, 'POST', '/v1/audience/sql', { conditions, kind: 'filter' });
    const { rows } = await warehouse.query<{ n: number }>(`SELECT count() AS n FROM (${body.sql})`, body.params, { settings: { join_use_nulls: 1 } });
    expect(Number(rows[0]!.n)).toBe(N);
  });

  it('adds EXPLAIN indexes = 1 on request, with figures of the project\'s own parts only', async () => {
    const { body } = await call(app, 'POST', '/v1/audience/sql', { conditions: everyone, explain: true });
    expect(body.explain).toMatch(/ReadFromMergeTree/);
    expect(body.explain).toMatch(/PrimaryKey/);
    // "Parts: a/b" tells the whole table's parts, every project's: only "a" is shown.
    expect(body.explain).toMatch(/Parts: \d+$/m);
    expect(body.explain).not.toMatch(/(Parts|Granules): \d+\/\d+/);
  });

  it('keeps of EXPLAIN\'s index figures those of what the project\'s query selects (a stage it does not know: none)', () => {
    const explain = [
      '   ├──ReadFromMergeTree (default.events)',
      '   │     Parts: 13 | Granules: 13',
      '   │     Indexes:',
      '   │       Someday',
      '   │         Parts: 19/19',
      '   │       Min-Max',
      '   │         Condition: true',
      '   │         Parts: 19/19',
      '   │         Granules: 4500/4500',
      '   │       Partition',
      '   │         Condition: true',
      '   │         Parts: 19/19',
      '   │         Granules: 4500/4500',
      '   │       PrimaryKey',
      '   │         Keys:',
      '   │           project',
      '   │         Parts: 13/19',
      '   │         Granules: 13/4500',
      '   │       Ranges: 13',
    ].join('\n');
    expect(projectFigures(explain).split('\n')).toEqual([
      '   ├──ReadFromMergeTree (default.events)',
      '   │     Parts: 13 | Granules: 13',
      '   │     Indexes:',
      '   │       Someday',
      '   │       Min-Max',
      '   │         Condition: true',
      '   │       Partition',
      '   │         Condition: true',
      '   │       PrimaryKey',
      '   │         Keys:',
      '   │           project',
      '   │         Parts: 13',
      '   │         Granules: 13',
      '   │       Ranges: 13',
    ]);
  });
});

function compareUsers(a: Record<string, unknown>, b: Record<string, unknown>, by: string, order: 'asc' | 'desc'): number {
  if (by === 'id') return (a.id! < b.id! ? -1 : 1) * (order === 'asc' ? 1 : -1);
  const va = a[by];
  const vb = b[by];
  if (va === null && vb !== null) return 1;
  if (vb === null && va !== null) return -1;
  if (va !== null && va !== vb) {
    // ClickHouse orders strings by bytes (UTF-8), like Buffer.compare.
    const cmp = typeof va === 'number' ? (va as number) - (vb as number) : Buffer.compare(Buffer.from(String(va)), Buffer.from(String(vb)));
    return order === 'asc' ? cmp : -cmp;
  }
  return a.id! < b.id! ? -1 : 1;
}
