/**
 * Audiences evaluated on the fly: compile trees for one project and run them.
 * Everything here is scoped to the request's project: the compiler puts the
 * project into every table scan it emits, and nested segments resolve only
 * among the project's own.
 */
import {
  compileAudience, compileCounts, compileMembership, CompileError, prepare,
  type AudienceQuery, type CompiledSql, type SegmentResolver, type SortField, type SortKey, type Strategy,
} from '../../compiler/index.js';
import { compileEventSeries, compileExperienceReport } from '../../compiler/analytics.js';
import type { PlannedGroup, PlannedNode } from '../../compiler/normalize.js';
import type { TimeRange } from '../../compiler/time.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { TOO_COMPLEX_FOR_ENGINE, WarehouseTooComplex } from '../warehouse/errors.js';
import { userFromRow, type User } from '../ingest/users.js';
import type { SegmentStore } from '../segments/store.js';

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

/** A segment's live count, or why it cannot be evaluated now (e.g. it refers to a deleted segment). */
/** Why a saved tree could not be evaluated (a dangling reference, a tree the engine cannot read). */
export interface SegmentError { code: string; message: string }
export type SegmentCount = { count: number } | { count: null; error: SegmentError };
const tooComplexForEngine: SegmentError = { code: 'too_complex', message: TOO_COMPLEX_FOR_ENGINE };

export class Audiences {
  constructor(private readonly warehouse: Warehouse, private readonly segments: SegmentStore) {}

  async compile(e: Evaluation, query: AudienceQuery): Promise<CompiledSql> {
    const resolveSegment = await this.segments.resolver(e.project, [e.conditions]);
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
    return projectFigures(rows.map((r) => r.explain).join('\n'));
  }

  /** Many trees counted in one pass over the data; a tree that cannot be evaluated gets its error instead. */
  async counts(project: string, trees: ReadonlyMap<string, unknown>, now: Date): Promise<Map<string, SegmentCount>> {
    const resolve = await this.segments.resolver(project, [...trees.values()]);
    const { planned, results } = prepareAll(trees, resolve);
    await inBatches(planned, async (batch) => {
      const { sql, params } = compileCounts(batch.map(([, p]) => p), { project, now });
      const { rows } = await this.warehouse.query<Record<string, number | string>>(sql, params);
      batch.forEach(([id], i) => results.set(id, { count: Number(rows[0]?.[`s${i}`] ?? 0) }));
    }, ([id]) => results.set(id, { count: null, error: tooComplexForEngine }));
    return new Map([...trees.keys()].map((id) => [id, results.get(id)!]));
  }

  /**
   * The ids of the trees this user matches, in one query reading only the user's rows (a few for a
   * long list), and the error of each tree that cannot be evaluated (it matches no one); undefined
   * when no such user.
   */
  async membership(project: string, userId: string, trees: ReadonlyMap<string, unknown>, now: Date): Promise<{ segments: string[]; errors: Map<string, SegmentError> } | undefined> {
    const resolve = await this.segments.resolver(project, [...trees.values()]);
    const { planned, results } = prepareAll(trees, resolve);
    const member: string[] = [];
    let exists = true;
    const run = async (batch: Array<[string, PlannedGroup]>) => {
      const { sql, params } = compileMembership(batch.map(([, p]) => p), userId, { project, now });
      const { rows } = await this.warehouse.query<Record<string, number | boolean>>(sql, params);
      if (rows.length === 0) exists = false;
      else member.push(...batch.filter((_, i) => Boolean(Number(rows[0]![`s${i}`]))).map(([id]) => id));
    };
    // With no tree to evaluate, the query still says whether the user exists.
    if (planned.length === 0) await run([]);
    else await inBatches(planned, run, ([id]) => results.set(id, { count: null, error: tooComplexForEngine }));
    const errors = new Map([...results].flatMap(([id, r]) => (r.count === null ? [[id, r.error] as const] : [])));
    return exists ? { segments: member, errors } : undefined;
  }

  async eventSeries(e: Evaluation, report: { source: string; event: string; range: TimeRange; interval: 'day' | 'week' }) {
    const tree = prepare(e.conditions, await this.segments.resolver(e.project, [e.conditions]));
    const { sql, params } = compileEventSeries(tree, { project: e.project, now: e.now }, report);
    return (await this.warehouse.query<{ bucket: string; events: number | string; users: number | string }>(sql, params)).rows;
  }

  async experienceReport(e: Evaluation, report: { experience: string; range: TimeRange }) {
    const tree = prepare(e.conditions, await this.segments.resolver(e.project, [e.conditions]));
    const { sql, params } = compileExperienceReport(tree, { project: e.project, now: e.now }, report);
    const row = (await this.warehouse.query<Record<string, number | string>>(sql, params)).rows[0] ?? {};
    const n = (k: string) => Number(row[k] ?? 0);
    return { audience: n('audience'), seen: n('seen'), completed: n('completed'), dismissed: n('dismissed') };
  }
}

/**
 * Trees evaluated in one query hold at most this many conditions and property filters together:
 * the engine's parser gives up (TOO_SLOW_PARSING) somewhere past 10 000, which a dashboard of 200
 * segments can reach. The bench's 18 segments (~450) are one query; a larger list takes a few.
 */
export const CONDITIONS_PER_QUERY = 2000;

function batches(planned: Array<[string, PlannedGroup]>): Array<Array<[string, PlannedGroup]>> {
  const out: Array<Array<[string, PlannedGroup]>> = [];
  let size = Infinity;
  for (const entry of planned) {
    const n = weight(entry[1]);
    if (size + n > CONDITIONS_PER_QUERY) {
      out.push([]);
      size = 0;
    }
    out[out.length - 1]!.push(entry);
    size += n;
  }
  return out;
}

/**
 * Runs trees batch by batch. A batch the engine refuses as too complex to parse is run again in
 * halves, and a tree it refuses on its own goes to `alone`: one segment the engine cannot read does
 * not take a dashboard or a user's memberships down with it.
 */
async function inBatches(
  planned: Array<[string, PlannedGroup]>,
  run: (batch: Array<[string, PlannedGroup]>) => Promise<void>,
  alone: (entry: [string, PlannedGroup]) => void,
): Promise<void> {
  const attempt = async (batch: Array<[string, PlannedGroup]>): Promise<void> => {
    try {
      await run(batch);
    } catch (error) {
      if (!(error instanceof WarehouseTooComplex)) throw error;
      if (batch.length === 1) return alone(batch[0]!);
      const half = Math.ceil(batch.length / 2);
      await attempt(batch.slice(0, half));
      await attempt(batch.slice(half));
    }
  };
  for (const batch of batches(planned)) await attempt(batch);
}

function weight(node: PlannedNode): number {
  if (node.kind === 'group') return node.conditions.reduce((n, c) => n + weight(c), 0);
  return 1 + (node.kind === 'event' ? node.where.length : 0);
}

function prepareAll(trees: ReadonlyMap<string, unknown>, resolve: SegmentResolver) {
  const planned: Array<[string, PlannedGroup]> = [];
  const results = new Map<string, SegmentCount>();
  for (const [id, tree] of trees) {
    try {
      planned.push([id, prepare(tree, resolve)]);
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      results.set(id, { count: null, error: { code: error.code, message: error.message } });
    }
  }
  return { planned, results };
}

/**
 * EXPLAIN's index figures, `Parts: a/b` and `Granules: a/b`, count the whole table in `b` — every
 * project's parts — and so do a stage's before the project's key applies (Min-Max, Partition: all
 * parts). A project sees only what its own query selects (SPEC §1: nothing of one project visible
 * through another): `Parts: a` from the primary key's stage on, and no figures before it.
 */
export function projectFigures(explain: string): string {
  let stage = '';
  const lines: string[] = [];
  for (const line of explain.split('\n')) {
    const text = line.replace(/^[\s│├└─]+/, '');
    if (/^(Min-Max|Partition|PrimaryKey\w*|Skip)\b/.test(text)) stage = text.split(/\s/)[0]!;
    else if (/^(ReadFromMergeTree|Ranges:)/.test(text)) stage = '';
    const figure = /^(.*\b(?:Parts|Granules): \d+)\/\d+$/.exec(line);
    if (!figure) lines.push(line);
    // Kept only from the project's key on: a stage this does not know is left without figures.
    else if (/^(PrimaryKey|Skip)/.test(stage)) lines.push(figure[1]!);
  }
  return lines.join('\n');
}
