/**
 * Ingestion (SPEC §4): batches of 1–10 000, validated whole before anything
 * is written, so a 400 leaves the store exactly as it was. A 2xx means the
 * rows are on disk.
 */
import type { FastifyPluginAsync } from 'fastify';
import * as schemas from '../../model/schemas.js';
import type { AnswerWrite, EventWrite, InteractionWrite, UserWrite } from '../../model/schemas.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { UserStore } from '../ingest/users.js';
import { answerRow, eventRow, interactionRow, toJsonLines } from '../ingest/rows.js';
import { errors } from '../errors.js';

const accepted = {
  type: 'object',
  required: ['accepted'],
  properties: { accepted: { type: 'integer', description: 'how many items of the batch were accepted' } },
} as const;

export const ingestRoutes: FastifyPluginAsync<{ warehouse: Warehouse; users: UserStore }> = async (app, { warehouse, users }) => {
  app.post<{ Body: { users: UserWrite[] } }>('/users', {
    schema: {
      summary: 'Upsert users: native fields overwrite (null clears), attributes and traits merge key by key (null deletes)',
      tags: ['ingestion'],
      body: schemas.batchOf('users', schemas.user),
      response: { 200: { ...accepted, properties: { ...accepted.properties, created: { type: 'integer' }, updated: { type: 'integer' } } } },
    },
  }, async (request) => {
    const outcome = await users.upsert(request.project, request.body.users);
    return { accepted: outcome.accepted, created: outcome.created.length, updated: outcome.updated.length };
  });

  app.delete<{ Params: { id: string } }>('/users/:id', {
    schema: {
      summary: "Delete a user's profile (its events, interactions and answers stay)",
      tags: ['ingestion'],
      params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 256 } } },
      response: { 200: { type: 'object', properties: { deleted: { type: 'boolean' } } } },
    },
  }, async (request) => {
    if (!(await users.delete(request.project, request.params.id))) throw errors.notFound('user');
    return { deleted: true };
  });

  const appendOnly = <Item>(path: string, field: string, item: object, table: string, toRow: (project: string, item: Item) => object, summary: string) =>
    app.post<{ Body: Record<string, Item[]> }>(path, {
      schema: { summary, tags: ['ingestion'], body: schemas.batchOf(field, item), response: { 200: accepted } },
    }, async (request) => {
      const items = request.body[field]!;
      await warehouse.insert({ table, format: 'JSONEachRow' }, toJsonLines(items.map((i) => toRow(request.project, i))));
      return { accepted: items.length };
    });

  appendOnly<EventWrite>('/events', 'events', schemas.event, 'events', eventRow, 'Append events');
  appendOnly<InteractionWrite>('/interactions', 'interactions', schemas.interaction, 'interactions', interactionRow, 'Append experience interactions');
  appendOnly<AnswerWrite>('/answers', 'answers', schemas.answer, 'answers', answerRow, 'Append survey answers');
};
