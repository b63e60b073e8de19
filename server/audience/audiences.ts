/**
 * Audiences evaluated on the fly: compile the tree for one project and run it.
 * Everything here is scoped to the request's project: the compiler puts the
 * project into every table scan it emits.
 */
import { compileAudience, type AudienceQuery, type CompiledSql, type SortField, type SortKey, type Strategy } from '../../compiler/index.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { userFromRow, type User } from '../ingest/users.js';
import { segmentResolver } from './segments.js';

export interface Evaluation {
  project: string;
  conditions: unknown;
  now: Date;
  strategy?: Strategy;
}

export interface UsersPageRequest extends Evaluation {
  sort: { by: SortField; order: 'asc' | 'desc' };
  limit: number;
  after?: SortKey;
}

export class Audiences {
  constructor(private readonly warehouse: Warehouse) {}

  async compile(e: Evaluation, query: AudienceQuery): Promise<CompiledSql> {
    const resolveSegment = await segmentResolver(this.warehouse, e.project);
    return compileAudience(e.conditions, { project: e.project, now: e.now, resolveSegment, strategy: e.strategy }, query);
  }

  async count(e: Evaluation): Promise<number> {
    const { sql, params } = await this.compile(e, { kind: 'count' });
    const { rows } = await this.warehouse.query<{ count: number | string }>(sql, params);
    return Number(rows[0]?.count ?? 0);
  }

  /** One page, and the sort key of its last user when more follow. */
  async users(request: UsersPageRequest): Promise<{ users: User[]; next?: SortKey }> {
    const { sql, params } = await this.compile(request, { kind: 'users', sort: request.sort, limit: request.limit + 1, after: request.after });
    const { rows } = await this.warehouse.query<Parameters<typeof userFromRow>[0] & Record<string, unknown>>(sql, params);
    const page = rows.slice(0, request.limit);
    const last = page[page.length - 1];
    const next = rows.length > request.limit && last
      ? { missing: last[request.sort.by] === null, value: (last[request.sort.by] ?? null) as string | number | null, id: last.id }
      : undefined;
    return { users: page.map(userFromRow), next };
  }

  async explain(compiled: CompiledSql): Promise<string> {
    const { rows } = await this.warehouse.query<{ explain: string }>(`EXPLAIN indexes = 1 ${compiled.sql}`, compiled.params);
    return rows.map((r) => r.explain).join('\n');
  }
}
