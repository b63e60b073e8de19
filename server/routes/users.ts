/** SPEC §4 `GET /v1/users/:id`: a user and every saved segment it belongs to, evaluated now. */
import type { FastifyPluginAsync } from 'fastify';
import { timestamp } from '../../model/schemas.js';
import type { Audiences } from '../audience/audiences.js';
import type { SegmentStore } from '../segments/store.js';
import type { UserStore } from '../ingest/users.js';
import { errors } from '../errors.js';
import { instant, userSchema } from './audience.js';

export const userRoutes: FastifyPluginAsync<{ audiences: Audiences; segments: SegmentStore; users: UserStore }> = async (app, { audiences, segments, users }) => {
  app.get<{ Params: { id: string }; Querystring: { now?: string } }>('/users/:id', {
    schema: {
      summary: 'A user, with the ids of every saved segment it belongs to (one query reading only this user\'s rows)',
      tags: ['users'],
      params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 256 } } },
      querystring: { type: 'object', properties: { now: timestamp } },
      response: {
        200: {
          type: 'object',
          properties: { ...userSchema.properties, segments: { type: 'array', items: { type: 'string' }, description: 'ids of the saved segments the user belongs to' } },
        },
      },
    },
  }, async (request) => {
    const { project } = request;
    const user = (await users.read(project, [request.params.id])).get(request.params.id);
    if (!user) throw errors.notFound('user');
    const saved = await segments.list(project);
    const member = await audiences.membership(project, user.id, new Map(saved.map((s) => [s.id, s.conditions])), instant(request.query.now));
    return { ...user, segments: member ?? [] };
  });
};
