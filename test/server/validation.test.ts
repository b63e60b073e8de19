/**
 * SPEC §2 and §4: every bad input is a 4xx naming the JSON pointer of the
 * offending value, and a refused batch writes nothing.
 */
import { Ajv } from 'ajv';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { call, KEYS, useTestApp } from '../support/api.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';

let app: FastifyInstance;
let warehouse: Warehouse;

useTestApp((ready) => ({ app, warehouse } = ready));

const event = { user_id: 'u1', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00.000Z' };
const interaction = { user_id: 'u1', experience: 'tour', interaction: 'seen', timestamp: '2026-01-01T00:00:00.000Z' };
const answer = { user_id: 'u1', experience: 'nps', step: 'score', value: 9, timestamp: '2026-01-01T00:00:00.000Z' };

async function expectBadRequest(url: string, body: unknown, path: string) {
  const response = await call(app, 'POST', url, body);
  expect(response.status, JSON.stringify(response.body)).toBe(400);
  expect(response.body.error.code).toBe('invalid_request');
  expect(response.body.error.path).toBe(path);
  expect(response.body.error.message).toContain(path);
}

describe('SPEC §2 attribute values', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a nested object', { a: { b: 1 } }, '/users/0/attributes/a'],
    ['an array of numbers', { a: [1, 2] }, '/users/0/attributes/a'],
    ['an array of arrays', { a: [['x']] }, '/users/0/attributes/a'],
    ['a number too large to be finite (1e400 → Infinity)', '1e400', '/users/0/attributes/k'],
    ['a key over 128 characters', { ['k'.repeat(129)]: 1 }, `/users/0/attributes/${'k'.repeat(129)}`],
    ['an empty key', { '': 1 }, '/users/0/attributes/'],
  ];
  for (const [name, attributes, path] of cases) {
    it(`refuses ${name}`, async () => {
      const body = attributes === '1e400' ? '{"users":[{"id":"x","attributes":{"k":1e400}}]}' : { users: [{ id: 'x', attributes }] };
      await expectBadRequest('/v1/users', body, path);
    });
  }

  it('refuses the same in traits and event properties', async () => {
    await expectBadRequest('/v1/users', { users: [{ id: 'x', traits: { t: { deep: true } } }] }, '/users/0/traits/t');
    await expectBadRequest('/v1/events', { events: [event, { ...event, properties: { p: { q: 1 } } }] }, '/events/1/properties/p');
  });

  it('escapes "/" and "~" of a key in the JSON pointer (RFC 6901)', async () => {
    await expectBadRequest('/v1/users', { users: [{ id: 'x', attributes: { 'a/b~c': {} } }] }, '/users/0/attributes/a~1b~0c');
  });

  it('accepts a key of exactly 128 characters', async () => {
    expect((await call(app, 'POST', '/v1/users', { users: [{ id: 'x', attributes: { ['k'.repeat(128)]: 1 } }] })).status).toBe(200);
  });

  it('counts lengths in characters, an emoji (two UTF-16 units, four bytes) being one', async () => {
    const id = '🙂'.repeat(256);
    const key = '🙂'.repeat(128);
    expect((await call(app, 'POST', '/v1/users', { users: [{ id, attributes: { [key]: 'yes' } }] })).status).toBe(200);
    const conditions = { op: 'and', conditions: [{ type: 'attribute', attribute: 'id', operator: 'is', value: id }, { type: 'custom_attribute', key, operator: 'is', value: 'yes' }] };
    expect((await call(app, 'POST', '/v1/audience/count', { conditions })).body).toEqual({ count: 1 });
    const tooLong = { op: 'and', conditions: [{ type: 'custom_attribute', key: `${key}🙂`, operator: 'is_empty' }] };
    expect((await call(app, 'POST', '/v1/audience/count', { conditions: tooLong })).body.error.path).toBe('/conditions/0/key');
  });
});

describe('SPEC §2 native fields', () => {
  const cases: Array<[string, object, string]> = [
    ['a missing id', {}, '/users/0/id'],
    ['an empty id', { id: '' }, '/users/0/id'],
    ['an id over 256 characters', { id: 'x'.repeat(257) }, '/users/0/id'],
    ['a numeric id', { id: 7 }, '/users/0/id'],
    ['an unknown field', { id: 'x', nickname: 'y' }, '/users/0/nickname'],
    ['a name that is not a string', { id: 'x', name: 5 }, '/users/0/name'],
    ['sessions below zero', { id: 'x', sessions: -1 }, '/users/0/sessions'],
    ['fractional sessions', { id: 'x', sessions: 1.5 }, '/users/0/sessions'],
    ['sessions as a string', { id: 'x', sessions: '3' }, '/users/0/sessions'],
    ['tags that are not strings', { id: 'x', tags: ['a', 1] }, '/users/0/tags/1'],
    ['a timestamp without a zone', { id: 'x', created_at: '2026-01-01T10:00:00' }, '/users/0/created_at'],
    ['a day that does not exist', { id: 'x', first_seen_at: '2026-02-30' }, '/users/0/first_seen_at'],
    ['a timestamp that is not one', { id: 'x', last_activity_at: 'yesterday' }, '/users/0/last_activity_at'],
    ['attributes that are not an object', { id: 'x', attributes: ['a'] }, '/users/0/attributes'],
  ];
  for (const [name, user, path] of cases) {
    it(`refuses ${name}`, () => expectBadRequest('/v1/users', { users: [user] }, path));
  }

  it('names the types a field takes in words ("integer or null")', async () => {
    const { body } = await call(app, 'POST', '/v1/users', { users: [{ id: 'x', sessions: '3' }] });
    expect(body.error.message).toBe('/users/0/sessions must be integer or null');
  });
});

describe('SPEC §4 batches', () => {
  it('refuses an empty batch and one over 10 000', async () => {
    await expectBadRequest('/v1/events', { events: [] }, '/events');
    await expectBadRequest('/v1/events', { events: Array.from({ length: 10_001 }, () => event) }, '/events');
  });

  it('accepts a batch of exactly 10 000', async () => {
    const events = Array.from({ length: 10_000 }, (_, i) => ({ ...event, user_id: `batch-${i % 100}`, event: 'batch' }));
    expect(await call(app, 'POST', '/v1/events', { events })).toEqual({ status: 200, body: { accepted: 10_000 } });
  });

  it('refuses a body without its list, or with another field', async () => {
    await expectBadRequest('/v1/users', {}, '/users');
    await expectBadRequest('/v1/users', { users: [{ id: 'x' }], extra: 1 }, '/extra');
  });

  it('refuses events, interactions and answers with wrong fields, naming the item', async () => {
    await expectBadRequest('/v1/events', { events: [event, { ...event, source: 'mixpanel' }] }, '/events/1/source');
    await expectBadRequest('/v1/events', { events: [{ ...event, event: '' }] }, '/events/0/event');
    await expectBadRequest('/v1/events', { events: [{ ...event, timestamp: '2026-01-01 10:00' }] }, '/events/0/timestamp');
    await expectBadRequest('/v1/events', { events: [{ ...event, user_id: undefined }] }, '/events/0/user_id');
    await expectBadRequest('/v1/interactions', { interactions: [{ ...interaction, interaction: 'clicked' }] }, '/interactions/0/interaction');
    await expectBadRequest('/v1/answers', { answers: [{ ...answer, value: true }] }, '/answers/0/value');
    await expectBadRequest('/v1/answers', { answers: [{ ...answer, value: { a: 1 } }] }, '/answers/0/value');
    await expectBadRequest('/v1/answers', { answers: [{ ...answer, step: undefined }] }, '/answers/0/step');
  });

  it('writes nothing of a refused batch and loses nothing accepted before it', async () => {
    expect((await call(app, 'POST', '/v1/events', { events: [{ ...event, user_id: 'atomic', event: 'good' }] })).status).toBe(200);
    const bad = await call(app, 'POST', '/v1/events', { events: [{ ...event, user_id: 'atomic', event: 'bad' }, { ...event, source: 'nope' }] });
    expect(bad.status).toBe(400);
    const users = await call(app, 'POST', '/v1/users', { users: [{ id: 'atomic', name: 'kept' }] });
    expect(users.status).toBe(200);
    expect((await call(app, 'POST', '/v1/users', { users: [{ id: 'atomic', name: 'lost' }, { id: '' }] })).status).toBe(400);
    const { rows } = await warehouse.query<{ event: string }>(`SELECT event FROM events WHERE project = 'alpha' AND user_id = 'atomic'`);
    expect(rows.map((r) => r.event)).toEqual(['good']);
    const names = await warehouse.query<{ name: string }>(`SELECT name FROM users FINAL WHERE project = 'alpha' AND id = 'atomic'`);
    expect(names.rows).toEqual([{ name: 'kept' }]);
  });
});

describe('SPEC §4 text that is not text, and absurd nesting', () => {
  // Valid JSON both, but never a 500 (the engine refused a lone high surrogate) nor altered data
  // (it stored a lone low one as U+FFFD).
  it('refuses a lone surrogate in a value or a key, naming it, and writes nothing of the batch', async () => {
    await expectBadRequest('/v1/users', { users: [{ id: 'lone', name: 'a\ud800' }] }, '/users/0/name');
    await expectBadRequest('/v1/users', { users: [{ id: 'lone', tags: ['ok', '\udc00'] }] }, '/users/0/tags/1');
    await expectBadRequest('/v1/users', { users: [{ id: 'lone', attributes: { 'k\ud800': 1 } }] }, '/users/0/attributes/k\ud800');
    await expectBadRequest('/v1/events', { events: [{ ...event, user_id: 'lone' }, { ...event, user_id: 'lone', properties: { p: '\udc00' } }] }, '/events/1/properties/p');
    await expectBadRequest('/v1/answers', { answers: [{ ...answer, value: ['\ud800'] }] }, '/answers/0/value/0');
    const { rows } = await warehouse.query(`SELECT 1 FROM events WHERE project = 'alpha' AND user_id = 'lone'`);
    expect(rows).toEqual([]);
  });

  it('keeps a surrogate pair written as escapes (one character)', async () => {
    const response = await call(app, 'POST', '/v1/users', '{"users":[{"id":"pair","name":"\\ud83d\\ude00"}]}');
    expect(response.status).toBe(200);
    const { rows } = await warehouse.query<{ name: string }>(`SELECT name FROM users FINAL WHERE project = 'alpha' AND id = 'pair'`);
    expect(rows).toEqual([{ name: '😀' }]);
  });

  it('answers 422 too_complex for a tree nested thousands of levels deep, on every route taking one', async () => {
    // Written as text: JSON.stringify itself overflows the stack at this depth.
    const tree = '{"op":"and","conditions":['.repeat(8000) + '{"type":"attribute","attribute":"id","operator":"is_not_empty"}' + ']}'.repeat(8000);
    for (const [url, body] of [['/v1/audience/count', `{"conditions":${tree}}`], ['/v1/audience/users', `{"conditions":${tree}}`], ['/v1/segments', `{"name":"deep","conditions":${tree}}`]]) {
      const response = await call(app, 'POST', url!, body);
      expect(response.status, url).toBe(422);
      expect(response.body.error.code).toBe('too_complex');
      // Relative to the tree, as every tree error's pointer is (SPEC §3.6).
      expect(response.body.error.path).toMatch(/^(\/conditions\/0)+(\/conditions)?$/);
    }
  });

  it('names a problem inside a tree as the compiler does; nesting elsewhere is bad input (400)', async () => {
    const tree = { op: 'and', conditions: [{ type: 'attribute', attribute: 'name', operator: 'is', value: 'a\ud800' }] };
    const response = await call(app, 'POST', '/v1/audience/count', { conditions: tree });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'invalid_conditions', path: '/conditions/0/value' });
    const deep = '{"users":[{"id":"x","attributes":{"a":' + '['.repeat(300) + ']'.repeat(300) + '}}]}';
    const users = await call(app, 'POST', '/v1/users', deep);
    expect(users.status).toBe(400);
    expect(users.body.error.code).toBe('invalid_request');
    // A member named conditions on a route that takes no tree is no tree; a value nested deep
    // inside a condition is an invalid value, not a tree too complex.
    const stray = await call(app, 'POST', '/v1/events', `{"events":[],"conditions":${'['.repeat(300)}${']'.repeat(300)}}`);
    expect(stray.body.error.code).toBe('invalid_request');
    // 127 groups with an `in` at the bottom: the nesting runs out on the value, but the groups are the fault.
    const inLeaf = '{"type":"attribute","attribute":"name","operator":"in","value":["a"]}';
    const groups = `{"conditions":${'{"op":"and","conditions":['.repeat(127)}${inLeaf}${']}'.repeat(127)}}`;
    expect((await call(app, 'POST', '/v1/audience/count', groups)).body.error.code).toBe('too_complex');
    const deepValue = `{"conditions":{"op":"and","conditions":[{"type":"attribute","attribute":"name","operator":"is","value":${'['.repeat(300)}${']'.repeat(300)}}]}}`;
    const value = await call(app, 'POST', '/v1/audience/count', deepValue);
    expect(value.status).toBe(400);
    expect(value.body.error).toMatchObject({ code: 'invalid_conditions', path: expect.stringMatching(/^\/conditions\/0\/value/) });
  });

  it('refuses a misspelt field, or one of the language in the wrong place, naming it, rather than ignoring it', async () => {
    const login = { type: 'event', source: 'api', event: 'login' };
    const cases: Array<[object, string]> = [
      [{ op: 'and', negated: true, conditions: [login] }, '/negated'],
      [{ op: 'and', conditions: [{ ...login, windw: { in_last: { amount: 1, unit: 'days' } } }] }, '/conditions/0/windw'],
      [{ op: 'and', conditions: [{ ...login, mesure: 'distinct_days' }] }, '/conditions/0/mesure'],
      [{ op: 'and', conditions: [{ ...login, where: [{ property: 'p', operator: 'is', value: 'x', negate: true }] }] }, '/conditions/0/where/0/negate'],
      [{ op: 'and', conditions: [{ type: 'experience', experience: 'e', interaction: 'seen', whithin: { amount: 1, unit: 'days' } }] }, '/conditions/0/whithin'],
      [{ op: 'and', conditions: [{ type: 'experience', experience: 'e', interaction: 'seen', within: { amount: 1, unit: 'days', ago: true } }] }, '/conditions/0/within/ago'],
      [{ op: 'and', conditions: [{ type: 'segment', segment: 's', operator: 'in', negate: true }] }, '/conditions/0/negate'],
      [{ op: 'and', conditions: [{ type: 'custom_attribute', key: 'k', operator: 'is', 'val/ue': 'v' }] }, '/conditions/0/val~1ue'],
      [{ op: 'and', conditions: [{ type: 'experience', experience: 'e', interaction: 'seen', window: { in_last: { amount: 1, unit: 'days' } } }] }, '/conditions/0/window'],
      [{ op: 'and', conditions: [{ type: 'attribute', attribute: 'name', operator: 'in', values: ['a'] }] }, '/conditions/0/values'],
      [{ op: 'and', conditions: [{ type: 'attribute', attribute: 'name', Operator: 'is', operator: 'is', value: 'a' }] }, '/conditions/0/Operator'],
    ];
    for (const [tree, path] of cases) {
      const response = await call(app, 'POST', '/v1/audience/count', { conditions: tree });
      expect(response.status, path).toBe(400);
      expect(response.body.error, path).toMatchObject({ code: 'invalid_conditions', path });
    }
    // Every field the SPEC names is still taken, a value beside an operator that needs none too,
    // and fields builders attach to their nodes (ids, list keys, flags near short names) are left alone.
    const full = { op: 'or', negate: false, id: 'g1', open: true, conditions: [
      { type: 'event', source: 'api', event: 'buy', where: [{ property: 'p', operator: 'is_empty' }], window: { in_last: { amount: 30, unit: 'days' } }, measure: 'count', operator: 'gte', value: 1 },
      { type: 'custom_attribute', source: 'segmentio', key: 'k', operator: 'is_true', value: true },
      { type: 'answer', experience: 'e', step: 's', operator: 'gte', value: 9, within: { amount: 1, unit: 'weeks' } },
      { type: 'attribute', attribute: 'name', operator: 'is_empty', id: 'c4', key: 'row-4', label: 'Name is empty', time: 1, valid: true },
      { type: 'event', source: 'api', event: 'buy', when: 'now', keys: ['a'] },
      { type: 'answer', experience: 'e', step: 's', operator: 'answered', stepId: 's1', item: 2 },
    ] };
    expect((await call(app, 'POST', '/v1/audience/count', { conditions: full })).status).toBe(200);
  });
});

describe('SPEC §4 errors', () => {
  it('answers 401 without a key or with an unknown one, and never touches data', async () => {
    const none = await app.inject({ method: 'POST', url: '/v1/users', payload: { users: [{ id: 'x' }] } });
    expect(none.statusCode).toBe(401);
    expect(JSON.parse(none.body).error.code).toBe('unauthorized');
    expect((await call(app, 'POST', '/v1/users', { users: [{ id: 'x' }] }, 'wrong')).status).toBe(401);
    // Two keys name no one project (Node would keep the first; a proxy might read the last).
    const twice = await app.inject({ method: 'POST', url: '/v1/audience/count', headers: { authorization: [`Bearer ${KEYS.alpha}`, `Bearer ${KEYS.beta}`] } as unknown as Record<string, string>, payload: { conditions: { op: 'and', conditions: [] } } });
    expect(twice.statusCode).toBe(401);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await call(app, 'POST', '/v1/users', '{"users": [');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_json');
  });

  it('answers 413 for a body over the limit', async () => {
    const huge = JSON.stringify({ users: [{ id: 'x', name: 'n'.repeat(65 * 1024 * 1024) }] });
    const response = await call(app, 'POST', '/v1/users', huge);
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('payload_too_large');
  });

  it('pages a segment by GET past a long sort value, and answers headers too large in the error shape', async () => {
    const long = (c: string) => c.repeat(30_000);
    await call(app, 'POST', '/v1/users', { users: [{ id: 'long-1', name: long('a'), attributes: { long_names: true } }, { id: 'long-2', name: long('b'), attributes: { long_names: true } }] });
    const saved = await call(app, 'POST', '/v1/segments', { name: 'long names', conditions: { op: 'and', conditions: [{ type: 'custom_attribute', key: 'long_names', operator: 'is_true' }] } });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const get = (path: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${KEYS.alpha}` } });
    const first = await (await get(`/v1/segments/${saved.body.id}/users?sort=name&limit=1`)).json() as { users: Array<{ id: string }>; next_cursor: string };
    expect(first.users.map((u) => u.id)).toEqual(['long-1']);
    // The cursor carries the 30 000-character name: past Node's default 16 KiB of headers.
    expect(first.next_cursor.length).toBeGreaterThan(30_000);
    const second = await get(`/v1/segments/${saved.body.id}/users?sort=name&limit=1&cursor=${encodeURIComponent(first.next_cursor)}`);
    expect(second.status).toBe(200);
    expect(((await second.json()) as { users: Array<{ id: string }> }).users.map((u) => u.id)).toEqual(['long-2']);
    const huge = await get(`/v1/segments/${saved.body.id}/users?cursor=${'x'.repeat(3 * 1024 * 1024)}`);
    expect(huge.status).toBe(431);
    expect(await huge.json()).toMatchObject({ error: { code: 'headers_too_large' } });
  });

  it('documents the errors each route answers, in the envelope it answers them in, and the body of an import', async () => {
    const doc = JSON.parse((await app.inject({ method: 'GET', url: '/docs/json' })).body);
    const isError = new Ajv({ strict: false }).compile(doc.components.schemas.Error);
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { responses: object }>>)) {
      if (!path.startsWith('/v1/')) continue;
      for (const operation of Object.values(operations)) expect(Object.keys(operation.responses), path).toEqual(expect.arrayContaining(['401', '503', '504']));
    }
    expect(Object.keys(doc.paths['/v1/imports'].post.requestBody.content)).toEqual(['text/csv', 'multipart/form-data']);
    const cases: Array<[string, 'GET' | 'POST', string, unknown, number]> = [
      ['/v1/audience/count', 'POST', '/v1/audience/count', { conditions: { op: 'xor' } }, 400],
      ['/v1/audience/count', 'POST', '/v1/audience/count', { conditions: { op: 'and', conditions: [{ type: 'segment', segment: 'nope', operator: 'in' }] } }, 422],
      ['/v1/segments/{id}', 'GET', '/v1/segments/nope', undefined, 404],
      ['/v1/segments/counts', 'POST', '/v1/segments/counts', { ids: ['nope'] }, 404],
    ];
    for (const [path, method, url, body, status] of cases) {
      const response = await call(app, method, url, body);
      expect(response.status, url).toBe(status);
      expect(isError(response.body), JSON.stringify(response.body)).toBe(true);
      expect(Object.keys(doc.paths[path][method.toLowerCase()].responses), url).toContain(String(status));
    }
    const anonymous = await app.inject({ method: 'GET', url: '/v1/segments' });
    expect(isError(JSON.parse(anonymous.body))).toBe(true);
  });

  it('publishes an OpenAPI 3.0 document: its schemas use only the Schema Object\'s keywords', async () => {
    const doc = JSON.parse((await app.inject({ method: 'GET', url: '/docs/json' })).body);
    expect(doc.openapi).toMatch(/^3\.0\./);
    const keywords = new Set(['$ref', 'title', 'description', 'type', 'format', 'default', 'nullable', 'enum', 'example', 'deprecated', 'readOnly', 'writeOnly',
      'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems',
      'maxProperties', 'minProperties', 'required', 'properties', 'additionalProperties', 'items', 'allOf', 'oneOf', 'anyOf', 'not', 'discriminator']);
    const foreign: string[] = [];
    const visit = (schema: unknown, at: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      for (const [key, value] of Object.entries(schema)) {
        if (!keywords.has(key) && !key.startsWith('x-')) foreign.push(`${at}/${key}`);
        if (key === 'type' && typeof value !== 'string') foreign.push(`${at}/type is not one type`);
        if (key === 'properties') for (const [name, sub] of Object.entries(value as object)) visit(sub, `${at}/properties/${name}`);
        if (['items', 'additionalProperties', 'not'].includes(key)) visit(value, `${at}/${key}`);
        if (['allOf', 'oneOf', 'anyOf'].includes(key)) (value as unknown[]).forEach((sub, i) => visit(sub, `${at}/${key}/${i}`));
      }
    };
    for (const [name, schema] of Object.entries(doc.components.schemas as object)) visit(schema, `#/components/schemas/${name}`);
    const media = (content: Record<string, { schema?: unknown }> | undefined, at: string) => Object.entries(content ?? {}).forEach(([type, m]) => visit(m.schema, `${at}/${type}`));
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { parameters?: Array<{ name: string; schema?: unknown }>; requestBody?: { content?: Record<string, { schema?: unknown }> }; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const at = `${method} ${path}`;
        operation.parameters?.forEach((p) => visit(p.schema, `${at} ${p.name}`));
        media(operation.requestBody?.content, `${at} body`);
        for (const [status, response] of Object.entries(operation.responses)) media(response.content, `${at} ${status}`);
      }
    }
    expect(foreign).toEqual([]);
    // What the document leaves out the validation still checks: an attribute key of 1 to 128 characters.
    expect((await call(app, 'POST', '/v1/users', { users: [{ id: 'oa', attributes: { '': 1 } }] })).status).toBe(400);
  });

  it('refuses a body whose bytes are not text in its encoding, and reads a CSV in the charset it declares', async () => {
    const send = (contentType: string, url: string, text: string) => app.inject({
      method: 'POST', url, headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': contentType }, payload: Buffer.from(text, 'latin1'),
    });
    // A Latin-1 "é" sent as UTF-8: refused, not stored as U+FFFD.
    const bad = await send('application/json', '/v1/users', '{"users":[{"id":"enc-1","name":"caf\u00e9"}]}');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).error).toMatchObject({ code: 'invalid_json', message: expect.stringContaining('not valid UTF-8') });
    expect((await call(app, 'GET', '/v1/users/enc-1')).status).toBe(404);
    // JSON is UTF-8 whatever its label (RFC 8259): UTF-8 labelled Latin-1 is read as UTF-8, Latin-1 refused.
    const utf8 = await app.inject({
      method: 'POST', url: '/v1/users', headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'application/json; charset=iso-8859-1' },
      payload: Buffer.from('{"users":[{"id":"enc-2","name":"caf\u00e9"}]}', 'utf8'),
    });
    expect(utf8.statusCode).toBe(200);
    expect((await call(app, 'GET', '/v1/users/enc-2')).body.name).toBe('caf\u00e9');
    expect((await send('application/json; charset=iso-8859-1', '/v1/users', '{"users":[{"id":"enc-4","name":"caf\u00e9"}]}')).statusCode).toBe(400);
    // A CSV is read in the charset it declares, as spreadsheets export.
    const csv = await send('text/csv', '/v1/imports', 'id,name\nenc-3,caf\u00e9\n');
    expect(csv.statusCode).toBe(400);
    expect(JSON.parse(csv.body).error.message).toContain('charset=windows-1252');
    expect((await send('text/csv; charset=windows-1252', '/v1/imports', 'id,name\nenc-3,caf\u00e9\n')).statusCode).toBe(200);
    expect((await call(app, 'GET', '/v1/users/enc-3')).body.name).toBe('caf\u00e9');
  });

  it('reads bodies compressed as SDKs send them (gzip, deflate, br), and refuses an unknown encoding, a broken stream and a bomb', async () => {
    const send = (url: string, contentType: string, encoding: string, payload: Buffer) => app.inject({
      method: 'POST', url, headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': contentType, 'content-encoding': encoding }, payload,
    });
    const events = JSON.stringify({ events: [{ user_id: 'zipped', source: 'api', event: 'gz', timestamp: '2026-01-01T00:00:00.000Z' }] });
    expect((await send('/v1/events', 'application/json', 'gzip', gzipSync(events))).statusCode).toBe(200);
    expect((await send('/v1/users', 'application/json', 'br', brotliCompressSync(JSON.stringify({ users: [{ id: 'zipped', name: 'Zed' }] })))).statusCode).toBe(200);
    expect((await send('/v1/imports', 'text/csv', 'deflate', deflateSync('id,plan\nzipped,pro\n'))).statusCode).toBe(200);
    expect((await call(app, 'GET', '/v1/users/zipped')).body).toMatchObject({ name: 'Zed', attributes: { plan: 'pro' } });
    const unknown = await send('/v1/events', 'application/json', 'zstd-ish', Buffer.from(events));
    expect(JSON.parse(unknown.body).error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('zstd-ish') });
    expect((await send('/v1/events', 'application/json', 'gzip', Buffer.from(events))).statusCode).toBe(400);
    // 65 MiB of zeros inflate past the body limit from a body of a few kilobytes.
    const bomb = await send('/v1/events', 'application/json', 'gzip', gzipSync(Buffer.alloc(65 * 1024 * 1024)));
    expect(bomb.statusCode).toBe(413);
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    const response = await call(app, 'GET', '/v1/nothing-here');
    expect(response).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });

  it('answers 400 (bad input, SPEC §4) naming a content type the route does not read', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'application/xml; charset=utf-8' }, payload: '<x/>' });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatchObject({ code: 'unsupported_media_type', message: expect.stringContaining('"application/xml"') });
    // JSON sent as text/plain too (the CSV import reads text/plain: its own parser).
    const plain = await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'text/plain' }, payload: '{"events":[]}' });
    expect(JSON.parse(plain.body).error).toMatchObject({ code: 'unsupported_media_type', message: expect.stringContaining('"text/plain"') });
    const csv = await app.inject({ method: 'POST', url: '/v1/imports', headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'text/plain' }, payload: 'id\nplain-1\n' });
    expect(csv.statusCode).toBe(200);
  });

  it('answers a URL the router cannot decode in the error shape', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/users/%ZZ', headers: { authorization: `Bearer ${KEYS.alpha}` } });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'invalid_request', message: expect.any(String) } });
  });

  it('serves /health without a key', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok', warehouse: 'embedded' });
  });

  it('serves the OpenAPI document at /docs without a key, listing every route with its response', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe((await app.inject({ method: 'GET', url: '/docs/json' })).body);
    // A browser asking for HTML gets the browsable UI of the same document.
    const page = await app.inject({ method: 'GET', url: '/docs', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers.vary).toBe('Accept');
    expect((await app.inject({ method: 'HEAD', url: '/docs' })).headers['content-type']).toMatch(/^application\/json/);
    const paths = Object.keys(JSON.parse(response.body).paths);
    expect(paths).toEqual(expect.arrayContaining([
      '/health', '/v1/users', '/v1/users/{id}', '/v1/events', '/v1/interactions', '/v1/answers', '/v1/imports',
      '/v1/audience/count', '/v1/audience/users', '/v1/audience/sql',
      '/v1/segments', '/v1/segments/counts', '/v1/segments/{id}', '/v1/segments/{id}/duplicate', '/v1/segments/{id}/versions',
      '/v1/segments/{id}/versions/{version}/restore', '/v1/segments/{id}/count', '/v1/segments/{id}/users', '/v1/segments/{id}/sql',
      '/v1/catalog', '/v1/analytics/events', '/v1/analytics/experiences',
    ]));
    const doc = JSON.parse(response.body);
    // Routes whose every field is optional take no body at all, and the document says so.
    expect(doc.paths['/v1/segments/counts'].post.requestBody.required).toBe(false);
    expect(doc.paths['/v1/users'].post.requestBody.required).toBe(true);
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        expect(Object.keys(operation.responses ?? {}).some((code) => code.startsWith('2')), `${method} ${path} documents its success response`).toBe(true);
      }
    }
  });
});
