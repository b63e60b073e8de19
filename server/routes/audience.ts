/**
 * SPEC §4 "Audiences": on-the-fly trees — the builder's Apply preview and the
 * Users filter. `now` on every route (default: the server's clock).
 */
import type { FastifyPluginAsync } from 'fastify';
import { SORT_FIELDS, STRATEGIES, type SortField, type Strategy } from '../../compiler/index.js';
import { prettySql } from '../../compiler/pretty.js';
import { validateTree } from '../../compiler/validate.js';
import { parseTimestamp } from '../../model/time.js';
import { now } from '../../model/schemas.js';
import type { Audiences, Evaluation } from '../audience/audiences.js';
import { Cursors } from '../audience/cursor.js';
import { CONDITION_TREE_ID } from '../../compiler/schema.js';

export const conditionsSchema = { $ref: `${CONDITION_TREE_ID}#` } as const;

const evaluation = {
  conditions: conditionsSchema,
  now,
  strategy: { type: 'string', enum: STRATEGIES, description: 'plan strategy (default single_pass; naive for comparison)' },
} as const;

interface EvaluationBody {
  conditions: unknown;
  now?: string | null;
  strategy?: Strategy;
}

export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: ['string', 'null'] }, email: { type: ['string', 'null'] }, language: { type: ['string', 'null'] },
    created_at: { type: ['string', 'null'] }, first_seen_at: { type: ['string', 'null'] }, last_activity_at: { type: ['string', 'null'] },
    sessions: { type: ['number', 'null'] }, tags: { type: ['array', 'null'], items: { type: 'string' } },
    attributes: { type: 'object', additionalProperties: true }, traits: { type: 'object', additionalProperties: true },
  },
} as const;

/** A validated timestamp (or none: the server's clock) as a Date. */
export const instant = (text: string | null | undefined) => (text == null ? new Date() : new Date(parseTimestamp(text)!));


export interface PageRequest {
  project: string;
  conditions: unknown;
  now?: string | null;
  strategy?: Strategy;
  limit: number;
  cursor?: string | null;
  sort: { by: SortField; order: 'asc' | 'desc' };
}

/** One page of an audience's users, and the signed cursor of the next (same `now` on every page of a walk). */
export async function pageOfUsers(audiences: Audiences, cursors: Cursors, r: PageRequest) {
  // The request as it reads once validated, not as written: a client that serializes the same body
  // with its keys in another order, or leaves out a default (`op`, a sort's `order`), continues its walk.
  const fingerprint = Cursors.fingerprint(validateTree(r.conditions), [r.sort.by, r.sort.order], r.strategy ?? 'single_pass');
  // The first page's next_cursor echoed back as it came (null), or an empty query parameter, is no cursor.
  const state = r.cursor == null || r.cursor === '' ? undefined : cursors.decode(r.project, r.cursor, fingerprint, r.sort.by);
  const now = r.now ?? state?.now ?? new Date().toISOString();
  const page = await audiences.users({ project: r.project, conditions: r.conditions, now: instant(now), strategy: r.strategy, sort: r.sort, limit: r.limit, after: state?.after });
  return {
    users: page.users,
    next_cursor: page.next ? cursors.encode(r.project, { after: page.next, now, request: fingerprint }) : null,
  };
}

/**
 * The longest SQL the API formats. Formatting takes ~3 µs a character on the event loop, so a
 * 1000-condition tree with property filters (2.4 MB of SQL) held every request for 7 s; the suite's
 * trees are under 20 000 characters, a 1000-condition one ~500 000.
 */
const PRETTY_LIMIT = 128 * 1024;

/** The exact SQL of an audience, its parameters, the pretty version and optionally EXPLAIN. */
export async function sqlReport(audiences: Audiences, e: Evaluation, kind: 'count' | 'users' | 'filter', explain: boolean) {
  const query = kind === 'users' ? { kind, sort: { by: 'id' as const, order: 'asc' as const }, limit: 50 } : { kind };
  const compiled = await audiences.compile(e, query);
  return {
    sql: compiled.sql,
    params: compiled.params,
    pretty: compiled.sql.length <= PRETTY_LIMIT ? prettySql(compiled.sql) : `-- ${compiled.sql.length} characters: too long to format here (segments compile formats any length)\n${compiled.sql}`,
    ...(explain ? { explain: await audiences.explain(compiled) } : {}),
  };
}

export const sqlResponse = {
  type: 'object',
  properties: { sql: { type: 'string' }, params: { type: 'object', additionalProperties: true }, pretty: { type: 'string' }, explain: { type: 'string' } },
} as const;

export const usersPageResponse = {
  type: 'object', properties: { users: { type: 'array', items: userSchema }, next_cursor: { type: ['string', 'null'] } },
} as const;

export const audienceRoutes: FastifyPluginAsync<{ audiences: Audiences; cursors: Cursors }> = async (app, { audiences, cursors }) => {
  app.post<{ Body: EvaluationBody }>('/audience/count', {
    schema: {
      summary: 'Count the users matching a condition tree',
      tags: ['audiences'],
      body: { type: 'object', required: ['conditions'], additionalProperties: false, properties: evaluation },
      response: { 200: { type: 'object', properties: { count: { type: 'integer' } } } },
    },
  }, async (request) => ({
    count: await audiences.count({ project: request.project, conditions: request.body.conditions, now: instant(request.body.now), strategy: request.body.strategy }),
  }));

  app.post<{ Body: EvaluationBody & { limit: number; cursor?: string | null; sort: { by: SortField; order: 'asc' | 'desc' } } }>('/audience/users', {
    schema: {
      summary: 'A page of the users matching a condition tree (keyset pagination: follow next_cursor with the same body)',
      tags: ['audiences'],
      body: {
        type: 'object', required: ['conditions'], additionalProperties: false,
        properties: {
          ...evaluation,
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
          cursor: { type: ['string', 'null'], description: 'next_cursor of the previous page (it carries the last sort value, so it is as long as that value); null, "" or absent: the first page' },
          sort: {
            type: 'object', additionalProperties: false, default: { by: 'id', order: 'asc' },
            properties: { by: { type: 'string', enum: SORT_FIELDS, default: 'id' }, order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' } },
          },
        },
      },
      response: { 200: usersPageResponse },
    },
  }, async (request) => pageOfUsers(audiences, cursors, { project: request.project, ...request.body }));

  app.post<{ Body: EvaluationBody & { kind: 'count' | 'users' | 'filter'; explain: boolean } }>('/audience/sql', {
    schema: {
      summary: 'The exact SQL that would run for a condition tree, its parameters, a readable version and optionally EXPLAIN',
      tags: ['audiences'],
      body: {
        type: 'object', required: ['conditions'], additionalProperties: false,
        properties: {
          ...evaluation,
          kind: { type: 'string', enum: ['count', 'users', 'filter'], default: 'count' },
          explain: { type: 'boolean', default: false },
        },
      },
      response: { 200: sqlResponse },
    },
  }, async (request) => {
    const { kind, explain } = request.body;
    return sqlReport(audiences, { project: request.project, conditions: request.body.conditions, now: instant(request.body.now), strategy: request.body.strategy }, kind, explain);
  });
};
