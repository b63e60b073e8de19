/**
 * Analytics filtered by an audience (SPEC §4 "Analytics"): each report is one
 * query whose member filter is the audience's own SQL, embedded as a subquery.
 */
import { inRange } from './comparisons.js';
import { audienceSql, type CompileContext } from './index.js';
import type { PlannedGroup } from './normalize.js';
import { compileSql, param, sql, type CompiledSql, type Sql } from './sql.js';
import type { TimeRange } from './time.js';

type Context = Omit<CompileContext, 'resolveSegment'>;

function members(tree: PlannedGroup, context: Context): Sql {
  return audienceSql(tree, context, { kind: 'filter' });
}

/**
 * Whether a row's user is a member: the row's stored user_key against a set of the same 128-bit
 * hashes of the members' ids, rather than the ids themselves (a 90-day series among a million
 * members: 1.05 s → 0.2 s; see compiler/plan.ts on the hash).
 */
function isMember(members: Sql): Sql {
  return sql`user_key IN (SELECT xxh3_128(user_id) FROM (${members}))`;
}

/** Events and distinct members per UTC day or ISO week (Monday) bucket; empty buckets are the caller's to fill. */
export function compileEventSeries(tree: PlannedGroup, context: Context, report: { source: string; event: string; range: TimeRange; interval: 'day' | 'week' }): CompiledSql {
  const bucket = report.interval === 'day' ? sql`toDate(timestamp)` : sql`toMonday(timestamp)`;
  return compileSql(sql`SELECT toString(${bucket}) AS bucket, count() AS events, uniqExact(user_id) AS users
FROM events
WHERE project = ${param(context.project, 'String')}
  AND source = ${param(report.source, 'String')} AND event = ${param(report.event, 'String')}
  AND ${inRange(sql.raw('timestamp'), report.range)}
  AND ${isMember(members(tree, context))}
GROUP BY bucket
ORDER BY bucket`);
}

/** Members who saw, completed and dismissed an experience in the range, and the audience size. */
export function compileExperienceReport(tree: PlannedGroup, context: Context, report: { experience: string; range: TimeRange }): CompiledSql {
  return compileSql(sql`WITH members AS (${members(tree, context)})
SELECT
  (SELECT count() FROM members) AS audience,
  uniqExactIf(user_id, interaction = 'seen') AS seen,
  uniqExactIf(user_id, interaction = 'completed') AS completed,
  uniqExactIf(user_id, interaction = 'dismissed') AS dismissed
FROM interactions
WHERE project = ${param(context.project, 'String')}
  AND experience = ${param(report.experience, 'String')}
  AND ${inRange(sql.raw('timestamp'), report.range)}
  AND ${isMember(sql`SELECT user_id FROM members`)}`);
}
