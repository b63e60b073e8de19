/**
 * SPEC §2 ingestion semantics through the HTTP API, as a behaviour suite run
 * on every warehouse backend (embedded chDB here, a ClickHouse server in
 * clickhouse-server.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { UserStore } from '../../server/ingest/users.js';
import { call, KEYS, testApp } from '../support/api.js';

export function behavesLikeIngestion(open: () => Promise<{ warehouse: Warehouse; dispose(): Promise<void> }>) {
  let warehouse: Warehouse;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let store: UserStore;

  beforeAll(async () => {
    ({ warehouse, dispose } = await open());
    app = await testApp(warehouse);
    store = new UserStore(warehouse);
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const upsert = async (users: object[], key: string = KEYS.alpha) => {
    const response = await call(app, 'POST', '/v1/users', { users }, key);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };
  const profile = async (id: string, project = 'alpha') => (await store.read(project, [id])).get(id);

  describe('SPEC §2 upsert rule', () => {
    it('overwrites the native fields a write names and keeps the others', async () => {
      await upsert([{ id: 'n1', name: 'Ada', email: 'ada@x.io', language: 'en', sessions: 3, tags: ['a', 'b'] }]);
      await upsert([{ id: 'n1', name: 'Ada L.', sessions: 4 }]);
      expect(await profile('n1')).toMatchObject({ name: 'Ada L.', email: 'ada@x.io', language: 'en', sessions: 4, tags: ['a', 'b'] });
    });

    it('clears a native field sent as null, which is then missing', async () => {
      await upsert([{ id: 'n2', name: 'Bo', email: 'bo@x.io', tags: ['t'], sessions: 1, first_seen_at: '2026-01-02T03:04:05.678Z' }]);
      await upsert([{ id: 'n2', email: null, tags: null, sessions: null, first_seen_at: null, created_at: null }]);
      expect(await profile('n2')).toMatchObject({ name: 'Bo', email: null, tags: null, sessions: null, first_seen_at: null, created_at: null });
    });

    it('returns every field of a user, a field never sent as null and empty attributes as {}', async () => {
      await upsert([{ id: 'n3' }]);
      const user = await profile('n3');
      expect(user).toEqual({
        id: 'n3', name: null, email: null, language: null, created_at: expect.any(String), first_seen_at: null,
        last_activity_at: null, sessions: null, tags: null, attributes: {}, traits: {},
      });
    });

    it('keeps an empty tag list apart from tags never sent', async () => {
      await upsert([{ id: 'n4', tags: [] }]);
      expect((await profile('n4'))!.tags).toEqual([]);
    });

    it('defaults created_at to the first ingestion and keeps it on later writes', async () => {
      const before = Date.now();
      await upsert([{ id: 'n5' }]);
      const first = (await profile('n5'))!.created_at!;
      expect(Date.parse(first)).toBeGreaterThanOrEqual(before - 1);
      await upsert([{ id: 'n5', name: 'later' }]);
      expect((await profile('n5'))!.created_at).toBe(first);
      await upsert([{ id: 'n5', created_at: '2020-05-06' }]);
      expect((await profile('n5'))!.created_at).toBe('2020-05-06T00:00:00.000Z');
    });

    it('stores timestamps with offsets as UTC with milliseconds', async () => {
      await upsert([{ id: 'n6', last_activity_at: '2026-03-01T10:00:00.123+02:00' }]);
      expect((await profile('n6'))!.last_activity_at).toBe('2026-03-01T08:00:00.123Z');
    });

    it('merges attributes and traits key by key, null deleting a key', async () => {
      await upsert([{ id: 'm1', attributes: { plan: 'pro', seats: 3, beta: true }, traits: { company: 'Acme', size: 10 } }]);
      await upsert([{ id: 'm1', attributes: { seats: 5, beta: null, zone: 'eu' }, traits: { size: null } }]);
      const user = await profile('m1');
      expect(user!.attributes).toEqual({ plan: 'pro', seats: 5, zone: 'eu' });
      expect(user!.traits).toEqual({ company: 'Acme' });
      // A whole map null, as a client serializing a user without any sends: no change.
      await upsert([{ id: 'm1', name: 'M', attributes: null, traits: null }]);
      expect(await profile('m1')).toMatchObject({ name: 'M', attributes: { plan: 'pro', seats: 5, zone: 'eu' }, traits: { company: 'Acme' } });
    });

    it('applies the writes of one batch in array order', async () => {
      await upsert([
        { id: 'o1', name: 'first', attributes: { k: 1, gone: 'x' } },
        { id: 'o2', name: 'other' },
        { id: 'o1', name: 'second', attributes: { gone: null, k2: 'v' } },
        { id: 'o1', email: 'last@x.io' },
      ]);
      expect(await profile('o1')).toMatchObject({ name: 'second', email: 'last@x.io', attributes: { k: 1, k2: 'v' } });
      expect((await profile('o2'))!.name).toBe('other');
    });

    it('applies batches in arrival order, even when sent concurrently', async () => {
      const writes = Array.from({ length: 8 }, (_, i) => call(app, 'POST', '/v1/users', { users: [{ id: 'race', sessions: i, attributes: { [`k${i}`]: i } }] }));
      const results = await Promise.all(writes);
      expect(results.every((r) => r.status === 200)).toBe(true);
      const user = await profile('race');
      expect(user!.sessions).toBe(7);
      expect(Object.keys(user!.attributes).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    });

    it('keeps any key exactly: dots, quotes, braces, spaces, percent signs, unicode, __proto__', async () => {
      // Built from entries: in an object literal '__proto__' would set the prototype, not a key.
      const attributes = Object.fromEntries(Object.entries<unknown>({
        'a.b': 1, 'a%2Eb': 2, 'a': 3, '%': 'pct', 'x.y.z': 'dots', "it's": 'quote', '"dq"': 'double', '{k}': 'braces',
        'with space': 's', 'ünï ключ 日本': 'u', 'constructor': 'c', '\\back': 'slash', 'tab\there': 't',
      }).concat([['__proto__', 'proto'], ['__proto__.list', ['x']]] as Array<[string, unknown]>));
      expect(Object.keys(attributes)).toContain('__proto__');
      await upsert([{ id: 'k1', attributes, traits: { 'address.city': 'Paris' } }]);
      const user = await profile('k1');
      expect(user!.attributes).toEqual(attributes);
      expect(user!.traits).toEqual({ 'address.city': 'Paris' });
    });

    it('keeps each value its type: "1", 1, true, ["1"], "", [] and date-like strings', async () => {
      const attributes = {
        s: '1', n: 1, f: 1.5, neg: -2.25, big: 1e300, t: true, f0: false, l: ['1', 'x'], e: '', el: [], d: '2026-01-01',
        ts: '2026-01-01T10:00:00.000Z', nul: 'null',
      };
      await upsert([{ id: 'v1', attributes }]);
      expect((await profile('v1'))!.attributes).toEqual(attributes);
      const { rows } = await warehouse.query<{ t: string }>(
        `SELECT dynamicType(getSubcolumn(attributes, {k:String})) AS t FROM users FINAL WHERE project = 'alpha' AND id = 'v1'`, { k: 'd' });
      expect(rows[0]!.t).toBe('String');
    });

    it('reports how many were accepted, created and updated', async () => {
      await upsert([{ id: 'c1' }]);
      const body = await upsert([{ id: 'c1' }, { id: 'c2' }, { id: 'c2', name: 'x' }]);
      expect(body).toEqual({ accepted: 3, created: 1, updated: 1 });
    });
  });

  describe('SPEC §2 deletion', () => {
    it('removes the profile, answers 404 for a user that does not exist, and lets a later write re-create it empty', async () => {
      await upsert([{ id: 'd1', name: 'Dee', attributes: { plan: 'pro' }, tags: ['x'] }]);
      expect((await call(app, 'DELETE', '/v1/users/d1')).status).toBe(200);
      expect(await profile('d1')).toBeUndefined();
      expect((await call(app, 'DELETE', '/v1/users/d1')).status).toBe(404);
      expect((await call(app, 'DELETE', '/v1/users/never')).status).toBe(404);
      await upsert([{ id: 'd1', email: 'new@x.io' }]);
      expect(await profile('d1')).toMatchObject({ name: null, email: 'new@x.io', tags: null, attributes: {} });
    });

    it('keeps the events, interactions and answers of a deleted user', async () => {
      await upsert([{ id: 'd2' }]);
      await call(app, 'POST', '/v1/events', { events: [{ user_id: 'd2', source: 'api', event: 'kept', timestamp: '2026-01-01T00:00:00.000Z' }] });
      await call(app, 'DELETE', '/v1/users/d2');
      const { rows } = await warehouse.query<{ n: number }>(`SELECT count() AS n FROM events WHERE project = 'alpha' AND user_id = 'd2'`);
      expect(Number(rows[0]!.n)).toBe(1);
    });

    it('deletes ids with slashes and unicode through the URL', async () => {
      await upsert([{ id: 'a/b é' }]);
      expect((await call(app, 'DELETE', `/v1/users/${encodeURIComponent('a/b é')}`)).status).toBe(200);
      expect(await profile('a/b é')).toBeUndefined();
    });
  });

  describe('SPEC §2 events, interactions and answers', () => {
    it('stores events, of known and not-yet-known users, with UTC timestamps and encoded property keys', async () => {
      const response = await call(app, 'POST', '/v1/events', {
        events: [
          { user_id: 'e1', source: 'api', event: 'purchase', timestamp: '2026-03-01T10:00:00.5+01:00', properties: { plan: 'pro', 'a.b': 2, gone: null } },
          { user_id: 'future-user', source: 'posthog', event: '$pageview', timestamp: '2026-03-02T00:00:00Z' },
          // null properties, as SDKs send an event without any: none.
          { user_id: 'null-props', source: 'segmentio', event: 'Signed Up', timestamp: '2026-03-02T00:00:00Z', properties: null },
        ],
      });
      expect(response).toEqual({ status: 200, body: { accepted: 3 } });
      const { rows } = await warehouse.query<Record<string, unknown>>(
        `SELECT user_id, source, event, toString(timestamp) AS ts, toString(properties) AS props FROM events
         WHERE project = 'alpha' AND user_id IN ('e1', 'future-user', 'null-props') ORDER BY user_id`);
      expect(rows).toEqual([
        { user_id: 'e1', source: 'api', event: 'purchase', ts: '2026-03-01 09:00:00.500', props: '{"a%2Eb":2,"plan":"pro"}' },
        { user_id: 'future-user', source: 'posthog', event: '$pageview', ts: '2026-03-02 00:00:00.000', props: '{}' },
        { user_id: 'null-props', source: 'segmentio', event: 'Signed Up', ts: '2026-03-02 00:00:00.000', props: '{}' },
      ]);
    });

    it('stores interactions and answers, each answer value keeping its type', async () => {
      expect((await call(app, 'POST', '/v1/interactions', {
        interactions: [{ user_id: 'i1', experience: 'tour_1', interaction: 'completed', timestamp: '2026-03-01T00:00:00Z' }],
      })).status).toBe(200);
      expect((await call(app, 'POST', '/v1/answers', {
        answers: [
          { user_id: 'i1', experience: 'nps', step: 'score', value: 9, timestamp: '2026-03-01T00:00:00Z' },
          { user_id: 'i1', experience: 'nps', step: 'why', value: '2026-01-01', timestamp: '2026-03-01T00:00:00Z' },
          { user_id: 'i1', experience: 'nps', step: 'multi', value: ['a', 'b'], timestamp: '2026-03-01T00:00:00Z' },
          { user_id: 'i1', experience: 'nps', step: 'rate', value: 4.5, timestamp: '2026-03-01T00:00:00Z' },
        ],
      })).status).toBe(200);
      const { rows } = await warehouse.query<{ step: string; t: string }>(
        `SELECT step, dynamicType(value) AS t FROM answers WHERE project = 'alpha' AND user_id = 'i1' ORDER BY step`);
      expect(rows.map((r) => [r.step, r.t])).toEqual([['multi', 'Array(String)'], ['rate', 'Float64'], ['score', 'Int64'], ['why', 'String']]);
      const interactions = await warehouse.query<{ n: number }>(`SELECT count() AS n FROM interactions WHERE project = 'alpha' AND user_id = 'i1'`);
      expect(Number(interactions.rows[0]!.n)).toBe(1);
    });
  });

  describe('SPEC §1 projects', () => {
    it('keeps two projects with the same user ids apart', async () => {
      await upsert([{ id: 'shared', name: 'in alpha', attributes: { a: 1 } }], KEYS.alpha);
      await upsert([{ id: 'shared', name: 'in beta', attributes: { b: 2 } }], KEYS.beta);
      await call(app, 'DELETE', '/v1/users/shared', undefined, KEYS.beta);
      expect(await profile('shared', 'alpha')).toMatchObject({ name: 'in alpha', attributes: { a: 1 } });
      expect(await profile('shared', 'beta')).toBeUndefined();
    });
  });
}
