/**
 * The compiler: condition tree (JSON) → `{ sql, params }`. Pure — no I/O:
 * validate → normalize (nested segments come from the injected resolver) →
 * plan → emit.
 */
import { toWarehouseTime } from '../model/time.js';
import { normalize, type PlannedGroup, type SegmentResolver } from './normalize.js';
import { mayNarrow, planAudience, planAudiences, type AudienceSource, type Strategy } from './plan.js';
import { compileSql, param, sql, TRUE, type CompiledSql, type Sql } from './sql.js';
import { validateTree } from './validate.js';
import { USERS_ALIAS } from './leaves.js';

export { CompileError } from './errors.js';
export type { SegmentResolver } from './normalize.js';
export { STRATEGIES, type Strategy } from './plan.js';
export type { CompiledSql } from './sql.js';

export interface CompileContext {
  project: string;
  /** The instant conditions are evaluated at. */
  now: Date;
  /** Saved segments of the project, for `segment` conditions. */
  resolveSegment: SegmentResolver;
  strategy?: Strategy;
}

export const SORT_FIELDS = ['id', 'name', 'email', 'created_at', 'last_activity_at', 'sessions'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export interface UsersPage {
  sort: { by: SortField; order: 'asc' | 'desc' };
  limit: number;
  /** The sort key of the last user of the previous page. */
  after?: SortKey;
}

/** Where a user stands in a sort: whether the field is missing, its value, and the id (ties). */
export interface SortKey {
  missing: boolean;
  value: string | number | null;
  id: string;
}

/**
 * What an audience's SQL selects: its size, its members' ids (`filter`, a subquery for data
 * engineers), a page of users, or its members' `user_key`s (`keys`, for the analytics that embed
 * it: the rows they filter store the same key, so no id is hashed again).
 */
export type AudienceQuery = { kind: 'count' } | { kind: 'filter' } | { kind: 'keys' } | ({ kind: 'users' } & UsersPage);

/**
 * Validates and normalizes a tree (throws CompileError). For the naive strategy the tree stays as
 * written: none of the planner's rewrites (folded comparisons, De Morgan, factoring) apply.
 */
export function prepare(tree: unknown, resolveSegment: SegmentResolver, strategy: Strategy = 'single_pass'): PlannedGroup {
  return normalize(validateTree(tree), resolveSegment, strategy !== 'naive');
}

export function compileAudience(tree: unknown, context: CompileContext, query: AudienceQuery): CompiledSql {
  return compileSql(audienceSql(prepare(tree, context.resolveSegment, context.strategy), context, query));
}

/** The SQL of one prepared tree, for embedding (analytics) or running. */
export function audienceSql(tree: PlannedGroup, context: Omit<CompileContext, 'resolveSegment'>, query: AudienceQuery): Sql {
  return emit(planAudience(tree, { ...planOptions(context), userColumns: query.kind === 'users' ? 'all' : 'id' }), query);
}

/**
 * Many audiences in one pass over the data (dashboards, the segment list):
 * `countIf(<tree i>) AS s<i>`, the behavioural measures shared by all trees.
 * A tree whose own plan narrows (plan.ts) is counted apart, as a scalar
 * subquery: its set is joined to the users its other conditions keep, which a
 * scan shared with other trees cannot filter first (the bench's batch of 18:
 * 1 007 → 908 ms with its three narrowed trees apart).
 */
export function compileCounts(trees: readonly PlannedGroup[], context: Omit<CompileContext, 'resolveSegment'>): CompiledSql {
  const options = planOptions(context);
  const apart = trees.map((tree) => {
    const alone = mayNarrow(tree) ? planAudience(tree, options) : undefined;
    return alone?.narrowed ? alone : undefined;
  });
  const together = trees.filter((_, i) => !apart[i]);
  const source = together.length ? planAudiences(together, options) : undefined;
  const members = [...(source?.members ?? [])];
  const counts = trees.map((_, i) => {
    const alone = apart[i];
    const count = alone ? sql`(${emit(alone, { kind: 'count' })})` : sql`countIf(${members.shift()!})`;
    return sql`${count} AS ${sql.raw(`s${i}`)}`;
  });
  if (!source) return compileSql(sql`SELECT ${joinList(counts)}`);
  return compileSql(sql`${head(source)}SELECT ${joinList(counts)}\nFROM ${source.from}\nWHERE ${source.where}${tail(source)}`);
}

/**
 * Which of these trees one user matches (`s<i>` is 1 or 0), reading only that
 * user's rows: the user id joins the project in every scan's key condition.
 * No row when the user does not exist.
 */
export function compileMembership(trees: readonly PlannedGroup[], userId: string, context: Omit<CompileContext, 'resolveSegment'>): CompiledSql {
  const source = planAudiences(trees, { ...planOptions(context), userId });
  const columns = source.members.length ? source.members.map((m, i) => sql`${m} AS ${sql.raw(`s${i}`)}`) : [sql`1 AS exists`];
  return compileSql(sql`${head(source)}SELECT ${joinList(columns)}\nFROM ${source.from}\nWHERE ${source.where}${tail(source)}`);
}

function planOptions(context: Omit<CompileContext, 'resolveSegment'>) {
  return { project: context.project, nowMs: context.now.getTime(), strategy: context.strategy ?? 'single_pass' };
}

function head(source: AudienceSource): Sql {
  return source.with ? sql`WITH ${source.with}\n` : sql``;
}

function tail(source: AudienceSource): Sql {
  return source.settings ? sql`\nSETTINGS ${source.settings}` : sql``;
}

function joinList(parts: Sql[]): Sql {
  return sql.join(parts, sql.raw(',\n'));
}

/**
 * The columns a user is returned with (SPEC §4: every field, a missing one
 * NULL), optionally qualified by a table alias. One list for audiences'
 * user pages and the user store's lookups.
 */
export function userColumnList(alias?: string): string {
  const c = (name: string) => (alias ? `${alias}.${name}` : name);
  return [
    c('id'), c('name'), c('email'), c('language'), c('created_at'), c('first_seen_at'), c('last_activity_at'), c('sessions'),
    `if(${c('has_tags')}, ${c('tags')}, NULL) AS tags`, c('attributes'), c('traits'),
  ].join(', ');
}

function emit(source: AudienceSource, query: AudienceQuery): Sql {
  const where = conjunction([source.where, source.members[0]!]);
  const settings = tail(source);
  switch (query.kind) {
    case 'count':
      return sql`${head(source)}SELECT count() AS count\nFROM ${source.from}\nWHERE ${where}${settings}`;
    case 'filter':
      return sql`${head(source)}SELECT ${sql.raw(USERS_ALIAS)}.id AS user_id\nFROM ${source.from}\nWHERE ${where}${settings}`;
    case 'keys':
      return sql`${head(source)}SELECT ${sql.raw(USERS_ALIAS)}.user_key AS user_key\nFROM ${source.from}\nWHERE ${where}${settings}`;
    case 'users': {
      const after = query.after ? sql`\nAND ${keysetAfter(query, query.after)}` : sql``;
      return sql`${head(source)}SELECT ${sql.raw(userColumnList(USERS_ALIAS))}\nFROM ${source.from}\nWHERE ${where}${after}\nORDER BY ${orderBy(query)}\nLIMIT ${sql.raw(String(query.limit))}${settings}`;
    }
  }
}

/** `a AND b …`, leaving out the parts that are the plan's `TRUE` (no filter). */
function conjunction(parts: readonly Sql[]): Sql {
  const kept = parts.filter((p) => p !== TRUE);
  return kept.length ? sql.join(kept, sql.raw(' AND ')) : TRUE;
}

const SORT_TYPES = { id: 'String', name: 'String', email: 'String', created_at: "DateTime64(3, 'UTC')", last_activity_at: "DateTime64(3, 'UTC')", sessions: 'Float64' } as const;

/** Missing values last in either order; ties broken by id ascending. */
function orderBy({ sort }: UsersPage): Sql {
  const direction = sort.order === 'asc' ? 'ASC' : 'DESC';
  if (sort.by === 'id') return sql.raw(`${USERS_ALIAS}.id ${direction}`);
  const column = `${USERS_ALIAS}.${sort.by}`;
  return sql.raw(`isNull(${column}) ASC, ${column} ${direction}, ${USERS_ALIAS}.id ASC`);
}

/** Keyset pagination: the users strictly after `key` in the page's order (no OFFSET). */
function keysetAfter({ sort }: UsersPage, key: SortKey): Sql {
  const id = sql.raw(`${USERS_ALIAS}.id`);
  const afterId = param(key.id, 'String');
  if (sort.by === 'id') return sql`${id} ${sql.raw(sort.order === 'asc' ? '>' : '<')} ${afterId}`;
  const column = sql.raw(`${USERS_ALIAS}.${sort.by}`);
  if (key.missing) return sql`(${column} IS NULL AND ${id} > ${afterId})`;
  const value = param(sort.by === 'created_at' || sort.by === 'last_activity_at' ? toWarehouseTimeText(key.value) : key.value, SORT_TYPES[sort.by]);
  const beyond = sort.order === 'asc' ? '>' : '<';
  return sql`(${column} IS NULL OR ${column} ${sql.raw(beyond)} ${value} OR (${column} = ${value} AND ${id} > ${afterId}))`;
}

function toWarehouseTimeText(value: string | number | null): string {
  return typeof value === 'string' && value.includes('T') ? toWarehouseTime(Date.parse(value)) : String(value);
}

