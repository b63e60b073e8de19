/**
 * The plan: how a normalized tree is evaluated over the project's users.
 *
 * - `single_pass` (default): every behavioural condition of the tree is an
 *   aggregate column of one `GROUP BY user_id` pass per table (events,
 *   interactions, answers), each pass reading only the rows some condition
 *   looks at; the users scan LEFT JOINs those per-user measures and applies
 *   the boolean tree to columns. No condition adds a scan, so OR branches and
 *   negations cost nothing extra (the lesson of PostHog's cohort compiler).
 * - `naive`: each behavioural condition is its own `u.id IN (subquery)` (or
 *   `NOT IN` when it holds for users without rows). Kept for comparison: the
 *   benchmark measures both, and the differential tests check they agree.
 *
 * Either way the universe is `users FINAL` of one project: only users that
 * exist can be members, and every table read is filtered by the project.
 */
import { leafSql, USERS_ALIAS, type Behaviour, type BehaviourTable } from './leaves.js';
import type { PlannedGroup, PlannedNode } from './normalize.js';
import { join, param, sql, type Sql } from './sql.js';

export type Strategy = 'single_pass' | 'naive';
export const STRATEGIES: readonly Strategy[] = ['single_pass', 'naive'];

/** The FROM … WHERE of an audience: the users who match, as `u`. */
export interface AudienceSource {
  /** `WITH …` definitions (may be empty). */
  readonly with: Sql | undefined;
  /** `users AS u FINAL [LEFT JOIN …]` */
  readonly from: Sql;
  /** The membership predicate, project scope included. */
  readonly where: Sql;
}

const MEASURES: Record<BehaviourTable, { cte: string; alias: string }> = {
  events: { cte: 'event_measures', alias: 'e' },
  interactions: { cte: 'experience_measures', alias: 'x' },
  answers: { cte: 'answer_measures', alias: 'a' },
};

export function planAudience(tree: PlannedGroup, project: string, nowMs: number, strategy: Strategy): AudienceSource {
  const scope = () => param(project, 'String');
  const passes = new Map<BehaviourTable, { rows: Sql[]; columns: Sql[] }>();

  const behaviour = (b: Behaviour, path: string): Sql => {
    if (strategy === 'naive') {
      const test = b.holdsWithoutRows ? sql`NOT (${b.test(b.aggregates)})` : b.test(b.aggregates);
      return sql`${comment(path)}${sql.raw(USERS_ALIAS)}.id ${sql.raw(b.holdsWithoutRows ? 'NOT IN' : 'IN')} (
        SELECT user_id FROM ${sql.raw(b.table)} WHERE project = ${scope()} AND ${b.rows} GROUP BY user_id HAVING ${test})`;
    }
    const pass = passes.get(b.table) ?? { rows: [], columns: [] };
    passes.set(b.table, pass);
    const { alias } = MEASURES[b.table];
    const refs = b.aggregates.map((aggregate) => {
      const name = `m${pass.columns.length}`;
      pass.columns.push(sql`${comment(path)}${aggregate} AS ${sql.raw(name)}`);
      return sql.raw(`${alias}.${name}`);
    });
    pass.rows.push(b.rows);
    return sql`${comment(path)}(${b.test(refs)})`;
  };

  const predicate = (node: PlannedNode): Sql => {
    if (node.kind === 'group') {
      const parts = node.conditions.map(predicate);
      const combined = parts.length === 0 ? sql`true` : parts.length === 1 ? parts[0]! : sql`(${join(parts, node.op === 'and' ? '\nAND ' : '\nOR ')})`;
      return node.negate ? sql`NOT ${combined}` : combined;
    }
    const leaf = leafSql(node, nowMs);
    return leaf.kind === 'profile' ? sql`${comment(node.path)}${leaf.predicate}` : behaviour(leaf, node.path);
  };

  const tree_ = predicate(tree);
  const ctes: Sql[] = [];
  let from = sql`users AS ${sql.raw(USERS_ALIAS)} FINAL`;
  for (const [table, pass] of passes) {
    const { cte, alias } = MEASURES[table];
    ctes.push(sql`${sql.raw(cte)} AS (
      SELECT user_id, ${join(pass.columns, ',\n')}
      FROM ${sql.raw(table)}
      WHERE project = ${scope()} AND (${join(pass.rows.map((r) => sql`(${r})`), '\nOR ')})
      GROUP BY user_id
    )`);
    from = sql`${from} LEFT JOIN ${sql.raw(cte)} AS ${sql.raw(alias)} ON ${sql.raw(alias)}.user_id = ${sql.raw(USERS_ALIAS)}.id`;
  }
  return {
    with: ctes.length ? join(ctes, ',\n') : undefined,
    from,
    where: sql`${sql.raw(USERS_ALIAS)}.project = ${scope()} AND ${tree_}`,
  };
}

/** A SQL comment naming the JSON pointer of a condition (paths hold only indices and field names). */
function comment(path: string): Sql {
  return sql.raw(`/* ${path.replace(/[^\w/-]/g, '') || '/'} */ `);
}
