/**
 * SPEC §4 "Segments": saved segments, their live evaluation, dashboards'
 * batch counts, and every saved version.
 */
import type { FastifyPluginAsync } from 'fastify';
import { SORT_FIELDS, type SortField } from '../../compiler/index.js';
import { now, timestamp } from '../../model/schemas.js';
import type { Audiences, SegmentCount } from '../audience/audiences.js';
import type { Cursors } from '../audience/cursor.js';
import type { Segment, SegmentStore } from '../segments/store.js';
import { errors } from '../errors.js';
import { conditionsSchema, instant, pageOfUsers, sqlReport, sqlResponse, usersPageResponse } from './audience.js';

const badge = {
  type: 'object', additionalProperties: false,
  properties: { icon: { type: 'string', maxLength: 64 }, label: { type: 'string', maxLength: 64 }, color: { type: 'string', maxLength: 32 } },
} as const;
/** A segment's name: not blank (also the name `POST /v1/imports?create_segment=true` saves). */
export const segmentName = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' } as const;
const fields = {
  name: segmentName,
  description: { type: 'string', maxLength: 2000 },
  badge,
  conditions: conditionsSchema,
  author: { type: 'string', maxLength: 256, description: 'who makes the change (created_by / updated_by)' },
} as const;
const segmentFields = {
  id: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, badge,
  created_at: { type: 'string' }, created_by: { type: ['string', 'null'] }, updated_at: { type: 'string' }, updated_by: { type: ['string', 'null'] },
  version: { type: 'integer' },
} as const;
const segmentResponse = { type: 'object', properties: { ...segmentFields, conditions: { type: 'object', additionalProperties: true } } } as const;
/** Why a segment could not be evaluated now. */
const segmentError = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } as const;
const listed = {
  type: 'object',
  properties: {
    ...segmentFields,
    audience: { type: ['integer', 'null'], description: 'live member count; null when the segment cannot be evaluated now' },
    audience_error: segmentError,
  },
} as const;
const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1 } } } as const;
const nowQuery = { now: { ...timestamp, description: 'the instant conditions are evaluated at (default: now)' } } as const;

interface Params { id: string }

/** The list's shape of a segment: no tree, its live audience. */
function summary(segment: Segment, count: SegmentCount | undefined) {
  const { conditions: _conditions, ...rest } = segment;
  return { ...rest, audience: count?.count ?? null, ...(count && count.count === null ? { audience_error: count.error } : {}) };
}

/** Segments that could not be evaluated, by id: their error code and message. */
export const segmentErrors = {
  type: 'object',
  description: 'segments that could not be evaluated (unknown_segment after a forced delete, too_complex), by id',
  additionalProperties: segmentError,
} as const;

export const segmentRoutes: FastifyPluginAsync<{ audiences: Audiences; segments: SegmentStore; cursors: Cursors }> = async (app, { audiences, segments, cursors }) => {
  const find = async (project: string, id: string) => {
    const segment = await segments.get(project, id);
    if (!segment) throw errors.notFound('segment');
    return segment;
  };

  app.get('/segments', {
    schema: {
      summary: 'Saved segments with their live audiences (all counted in one query)',
      tags: ['segments'],
      querystring: { type: 'object', properties: nowQuery },
      response: { 200: { type: 'object', properties: { segments: { type: 'array', items: listed } } } },
    },
  }, async (request) => {
    const all = await segments.list(request.project);
    const counts = await audiences.counts(request.project, new Map(all.map((s) => [s.id, s.conditions])), instant((request.query as { now?: string }).now));
    return { segments: all.map((s) => summary(s, counts.get(s.id))) };
  });

  app.post<{ Body: { name: string; description?: string; badge?: object; conditions: unknown; author?: string } }>('/segments', {
    schema: {
      summary: 'Save a segment (its tree is validated; unknown segments and cycles are refused)',
      tags: ['segments'],
      body: { type: 'object', required: ['name', 'conditions'], additionalProperties: false, properties: fields },
      response: { 201: segmentResponse },
    },
  }, async (request, reply) => {
    const segment = await segments.create(request.project, { ...request.body, name: request.body.name.trim() });
    return reply.status(201).send(segment);
  });

  app.post<{ Body: { ids?: string[]; now?: string | null } | null | undefined }>('/segments/counts', {
    schema: {
      summary: 'Live counts of many segments in one pass over the data (dashboards)',
      tags: ['segments'],
      // Every field is optional, so no body at all is every segment, now (as `{}`).
      body: {
        type: ['object', 'null'], additionalProperties: false,
        properties: { ids: { type: 'array', items: { type: 'string' }, maxItems: 1000, description: 'default: every segment' }, now },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            counts: { type: 'object', additionalProperties: { type: ['integer', 'null'] } },
            errors: segmentErrors,
          },
        },
      },
    },
  }, async (request) => {
    const all = new Map((await segments.list(request.project)).map((s) => [s.id, s.conditions]));
    const body = request.body ?? {};
    const ids = body.ids ?? [...all.keys()];
    const unknown = ids.filter((id) => !all.has(id));
    if (unknown.length) throw errors.notFound(`segment ${unknown.map((id) => JSON.stringify(id)).join(', ')}`);
    const counts = await audiences.counts(request.project, new Map(ids.map((id) => [id, all.get(id)])), instant(body.now));
    const result: Record<string, number | null> = {};
    const failures: Record<string, { code: string; message: string }> = {};
    for (const [id, c] of counts) {
      result[id] = c.count;
      if (c.count === null) failures[id] = c.error;
    }
    return { counts: result, ...(Object.keys(failures).length ? { errors: failures } : {}) };
  });

  app.get<{ Params: Params }>('/segments/:id', {
    schema: {
      summary: 'A saved segment, with the segments that use it',
      tags: ['segments'],
      params: idParams,
      response: {
        200: {
          ...segmentResponse,
          properties: {
            ...segmentResponse.properties,
            referenced_by: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } }, description: 'segments whose conditions name this one' },
          },
        },
      },
    },
  }, async (request) => {
    const segment = await find(request.project, request.params.id);
    return { ...segment, referenced_by: await segments.referencedBy(request.project, segment.id) };
  });

  app.patch<{ Params: Params; Body: { name?: string; description?: string; badge?: object; conditions?: unknown; author?: string; version?: number } }>('/segments/:id', {
    schema: {
      summary: 'Edit a segment; with `version`, a stale edit is refused (409) instead of overwriting a newer one',
      tags: ['segments'],
      params: idParams,
      body: { type: 'object', additionalProperties: false, properties: { ...fields, version: { type: 'integer', minimum: 1 } } },
      response: { 200: segmentResponse },
    },
  }, async (request) => segments.update(request.project, request.params.id, { ...request.body, name: request.body.name?.trim() }));

  app.delete<{ Params: Params; Querystring: { force: boolean; author?: string } }>('/segments/:id', {
    schema: {
      summary: 'Delete a segment; one used by other segments only with ?force=true (409 lists them)',
      tags: ['segments'],
      params: idParams,
      querystring: { type: 'object', properties: { force: { type: 'boolean', default: false }, author: { type: 'string', maxLength: 256 } } },
      response: { 200: { type: 'object', properties: { deleted: { type: 'boolean' } } } },
    },
  }, async (request) => {
    await segments.delete(request.project, request.params.id, request.query.force, request.query.author);
    return { deleted: true };
  });

  app.post<{ Params: Params; Body: { name?: string; author?: string } | undefined }>('/segments/:id/duplicate', {
    schema: {
      summary: 'Duplicate a segment into a new, independent one',
      tags: ['segments'],
      params: idParams,
      body: { type: ['object', 'null'], additionalProperties: false, properties: { name: fields.name, author: fields.author } },
      response: { 201: segmentResponse },
    },
  }, async (request, reply) => {
    const copy = await segments.duplicate(request.project, request.params.id, request.body?.name?.trim(), request.body?.author);
    return reply.status(201).send(copy);
  });

  app.get<{ Params: Params }>('/segments/:id/versions', {
    schema: {
      summary: 'Every saved version of a segment, oldest first',
      tags: ['segments'],
      params: idParams,
      response: {
        200: {
          type: 'object',
          properties: {
            versions: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' }, version: { type: 'integer' }, name: { type: 'string' }, description: { type: 'string' }, badge,
                  conditions: { type: 'object', additionalProperties: true }, saved_at: { type: 'string' }, saved_by: { type: ['string', 'null'] }, deleted: { type: 'boolean' },
                },
              },
            },
          },
        },
      },
    },
  }, async (request) => {
    const versions = await segments.versions(request.project, request.params.id);
    if (versions.length === 0) throw errors.notFound('segment');
    return { versions };
  });

  app.post<{ Params: Params & { version: number }; Body: { author?: string } | undefined }>('/segments/:id/versions/:version/restore', {
    schema: {
      summary: 'Undo: save an earlier version again, as the newest version',
      tags: ['segments'],
      params: { type: 'object', properties: { id: idParams.properties.id, version: { type: 'integer', minimum: 1 } } },
      body: { type: ['object', 'null'], additionalProperties: false, properties: { author: fields.author } },
      response: { 200: segmentResponse },
    },
  }, async (request) => {
    const old = (await segments.versions(request.project, request.params.id)).find((v) => v.version === request.params.version && !v.deleted);
    if (!old) throw errors.notFound('segment version');
    return segments.update(request.project, request.params.id, { name: old.name, description: old.description, badge: old.badge, conditions: old.conditions, author: request.body?.author });
  });

  app.get<{ Params: Params; Querystring: { now?: string } }>('/segments/:id/count', {
    schema: {
      summary: "A segment's live member count",
      tags: ['segments'],
      params: idParams,
      querystring: { type: 'object', properties: nowQuery },
      response: { 200: { type: 'object', properties: { count: { type: 'integer' } } } },
    },
  }, async (request) => {
    const segment = await find(request.project, request.params.id);
    return { count: await audiences.count({ project: request.project, conditions: segment.conditions, now: instant(request.query.now) }) };
  });

  app.get<{ Params: Params; Querystring: { now?: string; limit: number; cursor?: string; sort: SortField; order: 'asc' | 'desc' } }>('/segments/:id/users', {
    schema: {
      summary: "A page of a segment's members (keyset pagination: follow next_cursor)",
      tags: ['segments'],
      params: idParams,
      querystring: {
        type: 'object',
        properties: {
          ...nowQuery,
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
          // As long as the request line allows (MAX_HEADER_BYTES): a longer one is sent to POST /v1/audience/users.
          cursor: { type: 'string' },
          sort: { type: 'string', enum: SORT_FIELDS, default: 'id' },
          order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
        },
      },
      response: { 200: usersPageResponse },
    },
  }, async (request) => {
    const segment = await find(request.project, request.params.id);
    const { now, limit, cursor, sort, order } = request.query;
    return pageOfUsers(audiences, cursors, { project: request.project, conditions: segment.conditions, now, limit, cursor, sort: { by: sort, order } });
  });

  app.get<{ Params: Params; Querystring: { now?: string; kind: 'count' | 'users' | 'filter'; explain: boolean } }>('/segments/:id/sql', {
    schema: {
      summary: "The exact SQL of a segment (kind filter: a membership subquery to embed in your own SQL)",
      tags: ['segments'],
      params: idParams,
      querystring: {
        type: 'object',
        properties: { ...nowQuery, kind: { type: 'string', enum: ['count', 'users', 'filter'], default: 'count' }, explain: { type: 'boolean', default: false } },
      },
      response: { 200: sqlResponse },
    },
  }, async (request) => {
    const segment = await find(request.project, request.params.id);
    return sqlReport(audiences, { project: request.project, conditions: segment.conditions, now: instant(request.query.now) }, request.query.kind, request.query.explain);
  });
};
