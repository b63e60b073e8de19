/** SPEC §4: the catalog, analytics filtered by segment, CSV import to a segment. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { call, KEYS, useTestApp } from '../support/api.js';

let app: FastifyInstance;

useTestApp((ready) => ({ app } = ready));
beforeAll(async () => {
  await call(app, 'POST', '/v1/users', { users: [
    { id: 'ann', attributes: { plan: 'pro', 'a.b': 1, beta: true, tags: ['x'] }, traits: { company: 'Acme' } },
    { id: 'bob', attributes: { plan: 3 } },
    { id: 'cy' },
  ] });
  const e = (user_id: string, event: string, timestamp: string, properties?: object) => ({ user_id, source: 'api', event, timestamp, ...(properties ? { properties } : {}) });
  await call(app, 'POST', '/v1/events', { events: [
    e('ann', 'login', '2026-06-01T10:00:00.000Z', { device: 'ios', 'utm.source': 'g' }),
    e('ann', 'login', '2026-06-01T11:00:00.000Z'),
    e('ann', 'login', '2026-06-03T00:00:00.000Z'),
    e('bob', 'login', '2026-06-03T23:59:59.999Z', { device: 3 }),
    e('cy', 'login', '2026-06-09T00:00:00.000Z'),
    e('ghost', 'login', '2026-06-02T00:00:00.000Z'),
    { user_id: 'ann', source: 'segmentio', event: 'Order Completed', timestamp: '2026-06-02T00:00:00.000Z' },
  ] });
  await call(app, 'POST', '/v1/interactions', { interactions: [
    { user_id: 'ann', experience: 'tour', interaction: 'seen', timestamp: '2026-06-02T00:00:00.000Z' },
    { user_id: 'ann', experience: 'tour', interaction: 'completed', timestamp: '2026-06-02T00:00:00.000Z' },
    { user_id: 'bob', experience: 'tour', interaction: 'seen', timestamp: '2026-06-02T00:00:00.000Z' },
    { user_id: 'bob', experience: 'tour', interaction: 'dismissed', timestamp: '2026-06-02T00:00:00.000Z' },
    { user_id: 'cy', experience: 'tour', interaction: 'seen', timestamp: '2026-05-01T00:00:00.000Z' },
  ] });
  await call(app, 'POST', '/v1/answers', { answers: [{ user_id: 'ann', experience: 'nps', step: 'score', value: 9, timestamp: '2026-06-02T00:00:00.000Z' }] });
});
describe('GET /v1/catalog', () => {
  it('offers the categories with data, their fields and the value types seen, keys as they were sent', async () => {
    const { status, body } = await call(app, 'GET', '/v1/catalog');
    expect(status).toBe(200);
    const byId = Object.fromEntries(body.categories.map((c: { id: string }) => [c.id, c]));
    expect(Object.keys(byId)).toEqual(['attributes', 'custom_attributes', 'segmentio_traits', 'segmentio_events', 'api_events', 'experiences']);
    expect(byId.attributes.fields).toContainEqual({ name: 'created_at', type: 'date' });
    expect(byId.custom_attributes.keys).toEqual([
      { key: 'a.b', types: ['number'] }, { key: 'beta', types: ['boolean'] }, { key: 'plan', types: ['number', 'string'] }, { key: 'tags', types: ['list'] },
    ]);
    expect(byId.segmentio_traits.keys).toEqual([{ key: 'company', types: ['string'] }]);
    expect(byId.api_events.events).toEqual([{ event: 'login', properties: [{ key: 'device', types: ['number', 'string'] }, { key: 'utm.source', types: ['string'] }] }]);
    expect(byId.segmentio_events.events).toEqual([{ event: 'Order Completed', properties: [] }]);
    expect(byId.experiences.experiences).toEqual([
      { experience: 'nps', interactions: [], steps: [{ step: 'score', types: ['number'] }] },
      { experience: 'tour', interactions: ['completed', 'dismissed', 'seen'], steps: [] },
    ]);
  });

  it('drops the user categories once every user of a project is deleted', async () => {
    await call(app, 'POST', '/v1/users', { users: [{ id: 'only', attributes: { plan: 'pro' }, traits: { company: 'Acme' } }] }, KEYS.beta);
    const ids = async () => (await call(app, 'GET', '/v1/catalog', undefined, KEYS.beta)).body.categories.map((c: { id: string }) => c.id);
    expect(await ids()).toEqual(expect.arrayContaining(['attributes', 'custom_attributes', 'segmentio_traits']));
    await call(app, 'DELETE', '/v1/users/only', undefined, KEYS.beta);
    const left = await ids();
    for (const id of ['attributes', 'custom_attributes', 'segmentio_traits']) expect(left).not.toContain(id);
  });

  it('lists saved segments once there are some, and is empty for a project without data', async () => {
    const empty = await call(app, 'GET', '/v1/catalog', undefined, KEYS.beta);
    expect(empty.body).toEqual({ categories: [] });
    await call(app, 'POST', '/v1/segments', { name: 'Beta seg', conditions: { op: 'and', conditions: [] } }, KEYS.beta);
    const withSegment = await call(app, 'GET', '/v1/catalog', undefined, KEYS.beta);
    expect(withSegment.body.categories).toEqual([{ id: 'segments', label: 'Segments', type: 'segment', segments: [{ id: expect.any(String), name: 'Beta seg' }] }]);
  });
});

describe('POST /v1/analytics/events', () => {
  const pro = { op: 'and', conditions: [{ type: 'custom_attribute', key: 'plan', operator: 'is', value: 'pro' }] };

  it('counts events and distinct members per UTC day, every bucket present, a date-only "to" including that day', async () => {
    const { status, body } = await call(app, 'POST', '/v1/analytics/events', { source: 'api', event: 'login', conditions: { op: 'and', conditions: [] }, from: '2026-06-01', to: '2026-06-03', interval: 'day' });
    expect(status).toBe(200);
    expect(body.series).toEqual([
      { bucket: '2026-06-01', events: 2, users: 1 },
      { bucket: '2026-06-02', events: 0, users: 0 }, // ghost is not a user
      { bucket: '2026-06-03', events: 2, users: 2 },
    ]);
  });

  it('counts among the audience only, for a saved segment too, by weeks starting on Monday', async () => {
    const saved = await call(app, 'POST', '/v1/segments', { name: 'Pro', conditions: pro });
    const { body } = await call(app, 'POST', '/v1/analytics/events', { source: 'api', event: 'login', segment: saved.body.id, from: '2026-06-01T00:00:00Z', to: '2026-06-14T23:59:59.999Z', interval: 'week' });
    expect(body.series).toEqual([{ bucket: '2026-06-01', events: 3, users: 1 }, { bucket: '2026-06-08', events: 0, users: 0 }]);
  });

  it('buckets events before 1970 in their own days and weeks', async () => {
    await call(app, 'POST', '/v1/events', { events: [
      { user_id: 'cy', source: 'api', event: 'old', timestamp: '1969-12-31T10:00:00.000Z' },
      { user_id: 'cy', source: 'api', event: 'old', timestamp: '1970-01-01T00:00:00.000Z' },
    ] });
    const everyone = { op: 'and', conditions: [] };
    const days = await call(app, 'POST', '/v1/analytics/events', { source: 'api', event: 'old', conditions: everyone, from: '1969-12-31', to: '1970-01-01', interval: 'day' });
    expect(days.body.series).toEqual([{ bucket: '1969-12-31', events: 1, users: 1 }, { bucket: '1970-01-01', events: 1, users: 1 }]);
    const weeks = await call(app, 'POST', '/v1/analytics/events', { source: 'api', event: 'old', conditions: everyone, from: '1969-12-29', to: '1970-01-04', interval: 'week' });
    expect(weeks.body.series).toEqual([{ bucket: '1969-12-29', events: 2, users: 1 }]);
  });

  it('embeds an audience whose set is joined to the few users a profile condition keeps (compiler/plan.ts narrowing)', async () => {
    // pro users with 2+ logins: ann only.
    const proLoggers = { op: 'and', conditions: [...pro.conditions, { type: 'event', source: 'api', event: 'login', operator: 'gte', value: 2 }] };
    const { body } = await call(app, 'POST', '/v1/analytics/events', { source: 'api', event: 'login', conditions: proLoggers, from: '2026-06-01', to: '2026-06-03', interval: 'day' });
    expect(body.series).toEqual([{ bucket: '2026-06-01', events: 2, users: 1 }, { bucket: '2026-06-02', events: 0, users: 0 }, { bucket: '2026-06-03', events: 1, users: 1 }]);
    const tour = await call(app, 'POST', '/v1/analytics/experiences', { experience: 'tour', conditions: proLoggers, from: '2026-06-01', to: '2026-06-30' });
    expect(tour.body).toEqual({ audience: 1, seen: 1, completed: 1, dismissed: 0, completion_rate: 1 });
  });

  it('refuses both or neither of segment and conditions, an unknown segment, and a range backwards', async () => {
    const base = { source: 'api', event: 'login', from: '2026-06-01', to: '2026-06-02', interval: 'day' };
    expect((await call(app, 'POST', '/v1/analytics/events', base)).body.error.path).toBe('/segment');
    expect((await call(app, 'POST', '/v1/analytics/events', { ...base, segment: 'x', conditions: pro })).status).toBe(400);
    expect((await call(app, 'POST', '/v1/analytics/events', { ...base, segment: 'seg_nope' })).status).toBe(404);
    expect((await call(app, 'POST', '/v1/analytics/events', { ...base, conditions: pro, from: '2026-06-03' })).body.error.path).toBe('/to');
  });
});

describe('POST /v1/analytics/experiences', () => {
  it('counts members who saw, completed and dismissed it in the range, and the completion rate', async () => {
    const everyone = { op: 'and', conditions: [] };
    const { body } = await call(app, 'POST', '/v1/analytics/experiences', { experience: 'tour', conditions: everyone, from: '2026-06-01', to: '2026-06-30' });
    expect(body).toEqual({ audience: 3, seen: 2, completed: 1, dismissed: 1, completion_rate: 0.5 });
    const none = await call(app, 'POST', '/v1/analytics/experiences', { experience: 'never', conditions: everyone, from: '2026-06-01', to: '2026-06-30' });
    expect(none.body).toEqual({ audience: 3, seen: 0, completed: 0, dismissed: 0, completion_rate: null });
  });
});

describe('POST /v1/imports?create_segment=true', () => {
  it('saves a segment matching exactly the imported users, still exactly them after later imports', async () => {
    const csv = (text: string, query: string) => app.inject({
      method: 'POST', url: `/v1/imports${query}`, headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'text/csv' }, payload: text,
    }).then((r) => JSON.parse(r.body));
    const first = await csv('id,plan\nimp1,pro\nimp2,free\nann,pro\n', '?create_segment=true&segment_name=Webinar%20leads');
    expect(first.segment_id).toMatch(/^seg_/);
    const segment = await call(app, 'GET', `/v1/segments/${first.segment_id}`);
    expect(segment.body.name).toBe('Webinar leads');
    await csv('id,plan\nimp3,pro\n', '');
    const members = await call(app, 'GET', `/v1/segments/${first.segment_id}/users?limit=100`);
    expect(members.body.users.map((u: { id: string }) => u.id).sort()).toEqual(['ann', 'imp1', 'imp2']);
    // A blank name is refused as POST /v1/segments refuses it, before anything is imported.
    const blank = await csv('id,plan\nimp9,pro\n', '?create_segment=true&segment_name=%20%20');
    expect(blank.error).toMatchObject({ code: 'invalid_request', path: expect.stringContaining('segment_name') });
    expect((await call(app, 'GET', '/v1/users/imp9')).status).toBe(404);
  });
});
