/**
 * SPEC §4 `GET /v1/catalog`: the categories the condition builder can offer
 * now, with their fields and the value types seen. Read from the small
 * catalog tables that materialized views keep up to date (sql/migrations/0002),
 * never from the facts. A category without data is absent.
 */
import type { FastifyPluginAsync } from 'fastify';
import { decodeKey } from '../../model/keys.js';
import { NATIVE_ATTRIBUTES } from '../../compiler/tree.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { SegmentStore } from '../segments/store.js';

/** The builder's value types for the JSON types the warehouse reports. */
export function valueType(jsonType: string): string {
  if (jsonType === 'String') return 'string';
  if (/^(U?Int\d+|Float\d+)$/.test(jsonType)) return 'number';
  if (jsonType === 'Bool') return 'boolean';
  if (jsonType.startsWith('Array(')) return 'list';
  return 'string';
}

const EVENT_CATEGORIES = [
  ['jimo', 'events', 'Events'], ['segmentio', 'segmentio_events', 'Segment.io'], ['posthog', 'posthog_events', 'Posthog'], ['api', 'api_events', 'Jimo API events'],
] as const;

const typed = { type: 'array', items: { type: 'string', enum: ['string', 'number', 'boolean', 'list'] } } as const;
const keyField = { type: 'object', properties: { key: { type: 'string' }, types: typed } } as const;

export const catalogRoutes: FastifyPluginAsync<{ warehouse: Warehouse; segments: SegmentStore }> = async (app, { warehouse, segments }) => {
  app.get('/catalog', {
    schema: {
      summary: 'What the condition builder can offer now: categories with data, their fields and the value types seen',
      tags: ['catalog'],
      response: {
        200: {
          type: 'object',
          properties: {
            categories: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' }, label: { type: 'string' }, type: { type: 'string' }, source: { type: 'string' },
                  fields: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' } } } },
                  keys: { type: 'array', items: keyField },
                  events: { type: 'array', items: { type: 'object', properties: { event: { type: 'string' }, properties: { type: 'array', items: keyField } } } },
                  experiences: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        experience: { type: 'string' }, interactions: { type: 'array', items: { type: 'string' } },
                        steps: { type: 'array', items: { type: 'object', properties: { step: { type: 'string' }, types: typed } } },
                      },
                    },
                  },
                  segments: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } } },
                },
              },
            },
          },
        },
      },
    },
  }, async (request) => {
    const project = { project: request.project };
    const [users, keys, events, experiences, saved] = await Promise.all([
      warehouse.query<{ any: number }>('SELECT count() > 0 AS any FROM (SELECT 1 FROM users FINAL WHERE project = {project:String} LIMIT 1)', project),
      warehouse.query<{ kind: string; key: string; types: string[] }>(
        'SELECT kind, key, groupUniqArray(type) AS types FROM catalog_keys WHERE project = {project:String} GROUP BY kind, key ORDER BY kind, key', project),
      warehouse.query<{ source: string; event: string; key: string; types: string[] }>(
        'SELECT source, event, key, groupUniqArray(type) AS types FROM catalog_events WHERE project = {project:String} GROUP BY source, event, key ORDER BY source, event, key', project),
      warehouse.query<{ experience: string; step: string; types: string[] }>(
        'SELECT experience, step, groupUniqArray(type) AS types FROM catalog_experiences WHERE project = {project:String} GROUP BY experience, step ORDER BY experience, step', project),
      segments.list(request.project),
    ]);
    const types = (list: string[]) => [...new Set(list.map(valueType))].sort();
    const categories: object[] = [];
    const anyUser = Boolean(Number(users.rows[0]?.any));
    if (anyUser) {
      categories.push({ id: 'attributes', label: 'Attributes', type: 'attribute', fields: Object.entries(NATIVE_ATTRIBUTES).map(([name, type]) => ({ name, type })) });
    }
    // Keys are those seen at least once (docs/segments.md), but with no user left none is held now.
    for (const [kind, id, label, source] of anyUser ? [['attribute', 'custom_attributes', 'Custom Attributes', 'jimo'], ['trait', 'segmentio_traits', 'Segment.io Traits', 'segmentio']] as const : []) {
      const found = keys.rows.filter((r) => r.kind === kind).map((r) => ({ key: decodeKey(r.key), types: types(r.types) }));
      if (found.length) categories.push({ id, label, type: 'custom_attribute', source, keys: found });
    }
    for (const [source, id, label] of EVENT_CATEGORIES) {
      const rows = events.rows.filter((r) => r.source === source);
      const byEvent = new Map<string, Array<{ key: string; types: string[] }>>();
      for (const r of rows) {
        if (!byEvent.has(r.event)) byEvent.set(r.event, []);
        if (r.key !== '') byEvent.get(r.event)!.push({ key: decodeKey(r.key), types: types(r.types) });
      }
      if (byEvent.size) categories.push({ id, label, type: 'event', source, events: [...byEvent].map(([event, properties]) => ({ event, properties })) });
    }
    const byExperience = new Map<string, { experience: string; interactions: string[]; steps: Array<{ step: string; types: string[] }> }>();
    for (const r of experiences.rows) {
      const entry = byExperience.get(r.experience) ?? { experience: r.experience, interactions: [], steps: [] };
      byExperience.set(r.experience, entry);
      if (r.step === '') entry.interactions = [...r.types].sort();
      else entry.steps.push({ step: r.step, types: types(r.types) });
    }
    if (byExperience.size) categories.push({ id: 'experiences', label: 'Experiences', type: 'experience', experiences: [...byExperience.values()] });
    if (saved.length) categories.push({ id: 'segments', label: 'Segments', type: 'segment', segments: saved.map((s) => ({ id: s.id, name: s.name })) });
    return { categories };
  });
};
