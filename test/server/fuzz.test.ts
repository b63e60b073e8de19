/**
 * SPEC §4: a client error is never a 500. Every route gets random JSON
 * bodies, random path ids and random query strings; nothing may answer 5xx
 * (the warehouse is up, so 503/504 would be a defect too).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { KEYS, testApp } from '../support/api.js';
import { openTestWarehouse } from '../support/warehouse.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { leaf, tree } from '../support/generators.js';

let app: FastifyInstance;
let warehouse: Warehouse;
let dispose: () => Promise<void>;
let segmentId = '';

beforeAll(async () => {
  ({ warehouse, dispose } = await openTestWarehouse());
  app = await testApp(warehouse);
  const response = await app.inject({ method: 'POST', url: '/v1/segments', headers: { authorization: `Bearer ${KEYS.alpha}` }, payload: { name: 'fuzz', conditions: { op: 'and', conditions: [] } } });
  segmentId = JSON.parse(response.body).id;
});
afterAll(async () => {
  await app?.close();
  await dispose?.();
});

const ROUTES: Array<[string, (id: string) => string]> = [
  ['POST', () => '/v1/users'], ['DELETE', (id) => `/v1/users/${id}`], ['GET', (id) => `/v1/users/${id}`],
  ['POST', () => '/v1/events'], ['POST', () => '/v1/interactions'], ['POST', () => '/v1/answers'], ['POST', () => '/v1/imports'],
  ['POST', () => '/v1/audience/count'], ['POST', () => '/v1/audience/users'], ['POST', () => '/v1/audience/sql'],
  ['GET', () => '/v1/segments'], ['POST', () => '/v1/segments'], ['POST', () => '/v1/segments/counts'],
  ['GET', (id) => `/v1/segments/${id}`], ['PATCH', (id) => `/v1/segments/${id}`], ['DELETE', (id) => `/v1/segments/${id}`],
  ['POST', (id) => `/v1/segments/${id}/duplicate`], ['GET', (id) => `/v1/segments/${id}/versions`],
  ['GET', (id) => `/v1/segments/${id}/count`], ['GET', (id) => `/v1/segments/${id}/users`], ['GET', (id) => `/v1/segments/${id}/sql`],
  ['POST', () => '/v1/analytics/events'], ['POST', () => '/v1/analytics/experiences'], ['GET', () => '/v1/catalog'],
];

const body = fc.oneof(
  fc.jsonValue(),
  fc.record({ conditions: fc.oneof(tree, fc.jsonValue(), leaf) }, { requiredKeys: [] }),
  fc.record({ conditions: tree, now: fc.oneof(fc.string(), fc.constant('2026-01-01')), limit: fc.jsonValue(), cursor: fc.string(), sort: fc.jsonValue(), kind: fc.string() }, { requiredKeys: ['conditions'] }),
  fc.record({ users: fc.array(fc.record({ id: fc.string(), attributes: fc.dictionary(fc.string(), fc.jsonValue()) }, { requiredKeys: [] }), { maxLength: 3 }) }),
  fc.record({ name: fc.string(), conditions: fc.oneof(tree, fc.jsonValue()), version: fc.jsonValue(), ids: fc.jsonValue() }, { requiredKeys: [] }),
  fc.record({ source: fc.constantFrom('api', 'jimo', 'x'), event: fc.string(), segment: fc.string(), conditions: fc.oneof(tree, fc.jsonValue()), from: fc.string(), to: fc.string(), interval: fc.string(), experience: fc.string() }, { requiredKeys: [] }),
);
const id = fc.oneof(fc.string({ minLength: 1 }).map(encodeURIComponent), fc.constant('SEGMENT'));
const query = fc.dictionary(fc.constantFrom('now', 'limit', 'cursor', 'sort', 'order', 'kind', 'explain', 'force', 'identifier', 'create_segment'), fc.string()).map((q) => new URLSearchParams(q).toString());

describe('no client error is a 500', () => {
  it('holds for random bodies, ids and query strings on every route', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...ROUTES), body, id, query, async ([method, url], payload, rawId, qs) => {
      const path = url(rawId === 'SEGMENT' ? segmentId : rawId) + (qs ? `?${qs}` : '');
      const response = await app.inject({
        method: method as 'GET', url: path, headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'application/json' },
        payload: method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(payload),
      });
      expect(response.statusCode, `${method} ${path} ${JSON.stringify(payload).slice(0, 300)} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
      const parsed = JSON.parse(response.body || '{}');
      if (response.statusCode >= 400) expect(parsed.error?.code, response.body).toEqual(expect.any(String));
    }), { numRuns: 600 });
  }, 300_000);
});
