/** `GET /v1/users/:id/events` (the user panel's events summary) and the UI served at `/`. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { call, KEYS, useTestApp } from '../support/api.js';
import { ingest } from '../support/ingest.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { buildUi } from '../../ui/build.mjs';

let app: FastifyInstance;
let warehouse: Warehouse;
useTestApp((ready) => ({ app, warehouse } = ready));
beforeAll(async () => {
  const e = (user_id: string, source: string, event: string, timestamp: string) => ({ user_id, source, event, timestamp });
  await ingest(warehouse, 'alpha', {
    users: [{ id: 'ann' }, { id: 'bob' }] as never,
    events: [
      e('ann', 'api', 'login', '2026-03-01T10:00:00.000Z'), e('ann', 'api', 'login', '2026-03-05T10:00:00.000Z'),
      e('ann', 'jimo', 'page_view', '2026-03-02T10:00:00.000Z'), e('bob', 'api', 'login', '2026-03-09T10:00:00.000Z'),
    ] as never,
    interactions: [], answers: [],
  });
  await ingest(warehouse, 'beta', { users: [{ id: 'ann' }] as never, events: [e('ann', 'api', 'purchase', '2026-03-01T10:00:00.000Z')] as never, interactions: [], answers: [] });
});

describe('GET /v1/users/:id/events', () => {
  it('sums up one user\'s events per (source, event), most frequent first, within the key\'s project', async () => {
    const r = await call(app, 'GET', '/v1/users/ann/events');
    expect(r).toMatchObject({ status: 200 });
    expect(r.body.events).toEqual([
      { source: 'api', event: 'login', count: 2, first_at: '2026-03-01T10:00:00.000Z', last_at: '2026-03-05T10:00:00.000Z' },
      { source: 'jimo', event: 'page_view', count: 1, first_at: '2026-03-02T10:00:00.000Z', last_at: '2026-03-02T10:00:00.000Z' },
    ]);
    expect((await call(app, 'GET', '/v1/users/ann/events', undefined, KEYS.beta)).body.events.map((x: { event: string }) => x.event)).toEqual(['purchase']);
  });

  it('404 for a user that does not exist', async () => {
    expect((await call(app, 'GET', '/v1/users/nobody/events')).body.error.code).toBe('not_found');
  });
});

describe('the UI at /', () => {
  it('serves the built page and its script without a key', async () => {
    await buildUi({ quiet: true });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<script type="module" src="/ui/app.js">');
    const script = await app.inject({ method: 'GET', url: '/ui/app.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
  });
});
