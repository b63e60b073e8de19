/** SPEC §4 `GET /v1/users/:id`: a user and every saved segment it belongs to, evaluated now. */
import type { FastifyPluginAsync } from 'fastify';
import { timestamp } from '../../model/schemas.js';
import type { Audiences } from '../audience/audiences.js';
import type { SegmentStore } from '../segments/store.js';
import type { UserStore } from '../ingest/users.js';
import { errors } from '../errors.js';
import { instant, userSchema } from './audience.js';
import { segmentErrors } from './segments.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { fromWarehouseTime } from '../../model/time.js';

export const userRoutes: FastifyPluginAsync<{ audiences: Audiences; segments: SegmentStore; users: UserStore; warehouse: Warehouse }> = async (app, { audiences, segments, users, warehouse }) => {
  app.get<{ Params: { id: string }; Querystring: { now?: string } }>('/users/:id', {
    schema: {
      summary: 'A user, with the ids of every saved segment it belongs to (one query reading only this user\'s rows)',
      tags: ['users'],
      params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 256 } } },
      querystring: { type: 'object', properties: { now: timestamp } },
      response: {
        200: {
          type: 'object',
          properties: { ...userSchema.properties, segments: { type: 'array', items: { type: 'string' }, description: 'ids of the saved segments the user belongs to' }, errors: segmentErrors },
        },
      },
    },
  }, async (request) => {
    const { project } = request;
    const user = (await users.read(project, [request.params.id])).get(request.params.id);
    if (!user) throw errors.notFound('user');
    const saved = await segments.list(project);
    const member = await audiences.membership(project, user.id, new Map(saved.map((s) => [s.id, s.conditions])), instant(request.query.now));
    // A segment that cannot be evaluated is not among the user's, and says why, as in counts.
    const failures = member?.errors.size ? { errors: Object.fromEntries(member.errors) } : {};
    return { ...user, segments: member?.segments ?? [], ...failures };
  });

  app.get<{ Params: { id: string } }>('/users/:id/events', {
    schema: {
      summary: "A user's events at a glance: per (source, event), how many and when first and last (reads this user's rows only)",
      tags: ['users'],
      params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 256 } } },
      response: {
        200: {
          type: 'object',
          properties: {
            events: {
              type: 'array',
              items: {
                type: 'object',
                properties: { source: { type: 'string' }, event: { type: 'string' }, count: { type: 'integer' }, first_at: { type: 'string' }, last_at: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  }, async (request) => {
    const { project } = request;
    const id = request.params.id;
    if (!(await users.read(project, [id])).has(id)) throw errors.notFound('user');
    const { rows } = await warehouse.query<{ source: string; event: string; count: string; first_at: string; last_at: string }>(
      `SELECT source, event, count() AS count, min(timestamp) AS first_at, max(timestamp) AS last_at
       FROM events WHERE project = {project:String} AND user_id = {id:String}
       GROUP BY source, event ORDER BY count DESC, source, event LIMIT 1000`, { project, id });
    return {
      events: rows.map((r) => ({ source: r.source, event: r.event, count: Number(r.count), first_at: fromWarehouseTime(r.first_at), last_at: fromWarehouseTime(r.last_at) })),
    };
  });
};
