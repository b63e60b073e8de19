/**
 * The plan: how normalized trees are evaluated over the project's users.
 *
 * - `single_pass` (default): behavioural conditions become sets of users,
 *   `u.user_key [NOT] IN (…)`, computed in the users scan like a profile
 *   condition: a condition that only asks whether the user has such rows
 *   ("performed", "did not perform", seen, answered, a first time within a
 *   range…) from those rows alone (several of one table merged into one
 *   where the group allows: "any of" under OR, "none of" under AND, and
 *   for experiences and answers "has C but none of A" as C's set less A's); a
 *   measured condition alone on its table,
 *   or a group of one table's conditions holding all its measured ones, by
 *   `GROUP BY user … HAVING` the test. Measured conditions of one table in
 *   different branches are aggregate columns of one `GROUP BY user` pass over
 *   it (events conditions that read properties get a pass of their own
 *   rows), LEFT JOINed to the users scan, which applies the boolean tree to
 *   columns. A measured condition adds no scan, and a set reads only its own
 *   rows, so OR branches and negations cost nothing extra (the lesson of
 *   PostHog's cohort compiler). Several trees (a dashboard's segments, a
 *   user's memberships) share the passes and identical sets: each is
 *   computed once. One tree whose conditions must all hold, with profile
 *   conditions that likely keep few users, joins one of its sets to those
 *   users instead (`narrowing`), so that set's rows are filtered by them.
 * - `naive`: each condition of the tree as written (see `prepare`) is its own
 *   `u.id IN (subquery)` (a behavioural one `NOT IN` when it holds for users
 *   without rows). Kept for comparison: the benchmark measures both, and the
 *   differential tests check both against the evaluator.
 *
 * Either way the universe is `users FINAL` of one project: only users that
 * exist can be members, and every table read is filtered by the project.
 */
import { aggregateSql, HAS_ROWS, leafSql, USERS_ALIAS, type Aggregate, type Behaviour, type BehaviourTable, type LeafSql } from './leaves.js';
import type { PlannedGroup, PlannedNode } from './normalize.js';
import { selectivity } from './selectivity.js';
import { compileSql, join, param, sql, TRUE, type Sql } from './sql.js';

export type Strategy = 'single_pass' | 'naive';
export const STRATEGIES: readonly Strategy[] = ['single_pass', 'naive'];

/** Where the users come from, and which of them each tree keeps. */
export interface AudienceSource {
  /** `WITH …` definitions (may be empty). */
  readonly with: Sql | undefined;
  /** `users AS u FINAL [LEFT JOIN …]`, or a set joined to the users (narrowing): `u` is the users either way. */
  readonly from: Sql;
  /** The project scope (and, for one user, that user); `true` when `from` applies it. */
  readonly where: Sql;
  /** Each tree's membership predicate, in the order the trees were given (`true` when `from` is it). */
  readonly members: readonly Sql[];
  /** Query settings the plan relies on (`SETTINGS …`). */
  readonly settings?: Sql;
  /** One tree's set joined to the users its other conditions keep (`narrowing`). */
  readonly narrowed?: boolean;
}

export interface PlanOptions {
  project: string;
  nowMs: number;
  strategy: Strategy;
  /** Evaluate for this user only: every scan then reads just that user's rows. */
  userId?: string;
  /** Users' columns the query reads besides the conditions (a users page needs them all). */
  userColumns?: 'id' | 'all';
}

const MEASURES: Record<BehaviourTable, { cte: string; alias: string }> = {
  events: { cte: 'event_measures', alias: 'e' },
  interactions: { cte: 'experience_measures', alias: 'x' },
  answers: { cte: 'answer_measures', alias: 'a' },
};

interface Pass {
  table: BehaviourTable;
  cte: string;
  alias: string;
  rows: Map<string, Sql>;
  columns: Sql[];
  /** aggregate (compiled, as a key) → its column */
  named: Map<string, Sql>;
}

/** Passes of their own rows for conditions reading event properties, at most (see `behaviour`). */
const OWN_PASSES = 8;

/** The share of users at or below which profile conditions narrow a set by a join (measured: 17 % gains, 52 % loses). */
const CLEARLY_SELECTIVE = 1 / 4;

export function planAudiences(trees: readonly PlannedGroup[], options: PlanOptions): AudienceSource {
  const { project, nowMs, strategy, userId } = options;
  const scope = (alias?: string) => {
    const column = sql.raw(alias ? `${alias}.${alias === USERS_ALIAS ? 'id' : 'user_id'}` : 'user_id');
    const user = userId === undefined ? sql`` : sql` AND ${column} = ${param(userId, 'String')}`;
    return sql`${sql.raw(alias ? `${alias}.` : '')}project = ${param(project, 'String')}${user}`;
  };
  const passes = new Map<string, Pass>();
  const ownPasses = (table: BehaviourTable) => [...passes.keys()].filter((k) => k.startsWith(`${table}\0`)).length;

  // Each leaf's SQL, built once: the plan looks at the leaves before emitting the tree.
  const leaves = new Map<PlannedNode, LeafSql>();
  const leafOf = (node: PlannedNode): LeafSql => once(leaves, node, () => leafSql(node as Parameters<typeof leafSql>[0], nowMs));
  // A condition that only asks whether the user has any such row is a set of users (built from
  // those rows alone: no GROUP BY, no join), a predicate on the user like a profile condition.
  // A measured condition alone on its table (in its tree) is a set too (GROUP BY … HAVING its
  // test), sparing the join. So is a group made only of one table's conditions that holds all of
  // that table's measured ones: one GROUP BY … HAVING of the group's test over all their rows (a
  // deep OR of four counts: 166 → 145 ms as a pass joined to every user; 265 ms as four sets).
  // Measured conditions of one table in different branches share a pass, which reads their rows
  // once. Trees of a batch are planned alike, each on its own; identical sets are built once.
  // Not for one user's membership, where each set would cost a granule per part.
  const sets = strategy === 'single_pass' && userId === undefined;
  const leafSets = new Set<PlannedNode>();
  const groupSets = new Set<PlannedNode>();
  if (sets) for (const tree of trees) chooseSets(tree);

  function chooseSets(tree: PlannedGroup): void {
    const measured = new Map<BehaviourTable, PlannedNode[]>();
    const collect = (node: PlannedNode): void => {
      if (node.kind === 'group') return node.conditions.forEach(collect);
      if (!isBehaviour(node)) return;
      const b = leafOf(node) as Behaviour;
      if (b.sets) return void leafSets.add(node);
      once(measured, b.table, () => []).push(node);
    };
    collect(tree);
    for (const nodes of measured.values()) {
      const distinct = new Set(nodes.map((node) => {
        const b = leafOf(node) as Behaviour;
        return fingerprint(sql`${b.rows}, ${join(b.aggregates.map((a) => aggregateSql(a, b.rows)), ', ')}`);
      }));
      if (distinct.size === 1) nodes.forEach((node) => leafSets.add(node));
    }
    // Bottom up, each node's table (when its conditions are all behaviour of one table) and how many
    // of them are measured; the lowest group holding all of its table's measured conditions (at
    // least two) is the set.
    interface Seen { table: BehaviourTable | null; measured: number; setBelow: boolean }
    const visit = (node: PlannedNode): Seen => {
      if (node.kind !== 'group') {
        if (!isBehaviour(node)) return { table: null, measured: 0, setBelow: false };
        const b = leafOf(node) as Behaviour;
        return { table: b.table, measured: b.sets ? 0 : 1, setBelow: false };
      }
      const parts = node.conditions.map(visit);
      const table = parts[0]?.table ?? null;
      const one = table !== null && parts.every((p) => p.table === table);
      const measuredHere = parts.reduce((n, p) => n + p.measured, 0);
      const below = parts.some((p) => p.setBelow);
      const holds = one && measuredHere >= 2 && measuredHere === measured.get(table)?.length;
      if (holds && !below) groupSets.add(node);
      return { table: one ? table : null, measured: measuredHere, setBelow: holds || below };
    };
    visit(tree);
  }

  const needsPass = (node: PlannedNode): boolean => (node.kind === 'group'
    ? !groupSets.has(node) && node.conditions.some(needsPass)
    : isBehaviour(node) && !leafSets.has(node));

  /** A group of one table's conditions as one condition: each leaf's aggregates over its own rows, the group's test over them. */
  const groupBehaviour = (group: PlannedGroup): Behaviour => {
    const aggregates: Aggregate[] = [];
    const positions = new Map<string, number>();
    const rows = new Map<string, Sql>();
    const at = new Map<PlannedNode, number[]>();
    let table: BehaviourTable = 'events';
    const collect = (node: PlannedNode): void => {
      if (node.kind === 'group') return node.conditions.forEach(collect);
      const b = leafOf(node) as Behaviour;
      table = b.table;
      rows.set(fingerprint(b.rows), b.rows);
      at.set(node, b.aggregates.map((a) => {
        const own: Aggregate = { ...a, only: a.only ? sql`${b.rows} AND ${a.only}` : b.rows };
        return once(positions, fingerprint(aggregateSql(own, undefined)), () => aggregates.push(own) - 1);
      }));
    };
    collect(group);
    const test = (node: PlannedNode, values: readonly Sql[]): Sql => (node.kind === 'group'
      ? combine(node, node.conditions.map((c) => test(c, values)))
      : sql`(${(leafOf(node) as Behaviour).test(at.get(node)!.map((i) => values[i]!))})`);
    const holds = (node: PlannedNode): boolean => {
      if (node.kind !== 'group') return (leafOf(node) as Behaviour).holdsWithoutRows;
      const parts = node.conditions.map(holds);
      return (node.op === 'and' ? parts.every(Boolean) : parts.some(Boolean)) !== Boolean(node.negate);
    };
    return {
      table, rows: sql`(${join([...rows.values()].map((r) => sql`(${r})`), ' OR ')})`,
      aggregates, test: (values) => test(group, values), holdsWithoutRows: holds(group),
    };
  };

  const behaviour = (b: Behaviour, path: string): Sql => {
    // The naive baseline: the same semi-join on the id string.
    if (strategy === 'naive') return sql`${comment(path)}${probe({ query: passingQuery(b, 'user_id'), absent: b.holdsWithoutRows }, 'id')}`;
    // A condition reading event properties gets a pass of its own rows: in a shared pass the JSON
    // subcolumns would be read for every row of every other condition (batch of the suite −20 %).
    // Not for one user: each pass reads a granule of that user's rows per part, so one pass is cheaper.
    // Nor past OWN_PASSES of them: each pass is a join, and a tree of hundreds of such conditions
    // took ClickHouse 10 s to plan (333 joins); the rest share their table's pass.
    const own = `${b.table}\0${fingerprint(b.rows)}`;
    const key = b.readsProperties && userId === undefined && (passes.has(own) || ownPasses(b.table) < OWN_PASSES) ? own : b.table;
    const pass = once(passes, key, () => {
      const n = [...passes.values()].filter((p) => p.table === b.table).length;
      return { table: b.table, cte: `${MEASURES[b.table].cte}${n ? `_${n}` : ''}`, alias: `${MEASURES[b.table].alias}${n ? n : ''}`, rows: new Map(), columns: [], named: new Map() };
    });
    const refs = b.aggregates.map((a) => {
      const aggregate = aggregateSql(a, b.rows);
      return once(pass.named, fingerprint(aggregate), () => {
        const name = `m${pass.columns.length}`;
        pass.columns.push(sql`${comment(path)}${aggregate} AS ${sql.raw(name)}`);
        return sql.raw(`${pass.alias}.${name}`);
      });
    });
    pass.rows.set(fingerprint(b.rows), b.rows);
    return sql`${comment(path)}(${b.test(refs)})`;
  };

  /** The set form: users with any of the rows, or (a measure) those for whom the test holds or fails. */
  const usersWith = (b: Behaviour): Sql => {
    const sets = setsOf(b).map((set) => probe(set));
    return sets.length === 1 ? sets[0]! : sql`(${join(sets, '\nAND ')})`;
  };

  /** Whether the user is in a set (or, absent, not), by the key the set's query selects. */
  const probe = ({ query, absent }: { query: Sql; absent: boolean }, column: 'user_key' | 'id' = 'user_key'): Sql => sql`${sql.raw(`${USERS_ALIAS}.${column}`)} ${sql.raw(absent ? 'NOT IN' : 'IN')} (
        ${query})`;

  /**
   * A set-form condition as queries of user keys: the users with rows of each set (or, `absent`,
   * without). A measured one is one query of the users whose rows pass its test (`GROUP BY …
   * HAVING`), `absent` when it holds for users without rows: then it holds for everyone but those
   * whose rows fail it.
   */
  const setsOf = (b: Behaviour): Array<{ query: Sql; absent: boolean; measured: boolean }> => {
    if (b.sets) return b.sets.map((set) => ({ query: usersOf(b.table, set.rows), absent: set.absent, measured: false }));
    return [{ query: passingQuery(b, 'user_key'), absent: b.holdsWithoutRows, measured: true }];
  };

  /** The users (by key) with any of these rows of the table. */
  const usersOf = (table: BehaviourTable, rows: Sql): Sql => sql`SELECT user_key FROM ${sql.raw(table)} WHERE ${scope()} AND ${rows}`;

  /** The users (by `key`) whose rows pass a measured condition's test (fail it, when it holds without rows). */
  const passingQuery = (b: Behaviour, key: 'user_key' | 'user_id'): Sql => {
    // The query reads the condition's rows alone, so its aggregates need no If; a filter all of them
    // share (numeric values of a property) joins the WHERE, where the engine applies it first.
    const only = b.aggregates[0]?.only;
    const shared = only && b.aggregates.every((a) => a.only && fingerprint(a.only) === fingerprint(only));
    const values = b.aggregates.map((a) => {
      const own = shared ? { ...a, only: undefined } : a;
      return own.presence && !own.only ? HAS_ROWS : aggregateSql(own, undefined);
    });
    const test = b.holdsWithoutRows ? sql`NOT (${b.test(values)})` : b.test(values);
    const rows = shared ? sql`${b.rows} AND ${only}` : b.rows;
    return sql`SELECT ${sql.raw(key)} FROM ${sql.raw(b.table)} WHERE ${scope()} AND ${rows} GROUP BY ${sql.raw(key)} HAVING ${test}`;
  };

  /** The condition a node stands for when it is in set form (a leaf or a group chosen as a set). */
  const setForms = new Map<PlannedNode, Behaviour>();
  const setForm = (node: PlannedNode): Behaviour | undefined => {
    if (groupSets.has(node)) return once(setForms, node, () => groupBehaviour(node as PlannedGroup));
    return leafSets.has(node) ? leafOf(node) as Behaviour : undefined;
  };

  const predicate = (node: PlannedNode): Sql => {
    const set = setForm(node);
    if (set) return profile(usersWith(set), node.path);
    if (node.kind === 'group') return combine(node, parts(node.op, node.conditions));
    const leaf = leafOf(node);
    return leaf.kind === 'profile' ? profile(leaf.predicate, node.path) : behaviour(leaf, node.path);
  };

  /**
   * The predicates of a group's conditions, where sets of users read from one table merge as far
   * as the group's logic allows. Under OR, "has rows A" or "has rows B" is "has rows A or B". Under
   * AND, "has no rows A" and "none B" is "has no rows A or B" — one scan of the table and one probe
   * per user instead of one of each per condition ("performed any of three events" 150 → 102 ms at a
   * million users, "did none of three" 124 → 100 ms) — and beside "has rows C" of the same table of
   * experiences or answers it goes inside C's set: the users with rows C, less those with rows A or
   * B, so every user probes one set instead of two ("seen tour_1, not completed it" 46 → 41 ms). A
   * merged set stands where its first condition stood; a tree with nothing to merge keeps each
   * condition's own predicate.
   */
  function parts(op: 'and' | 'or', conditions: readonly PlannedNode[]): Sql[] {
    const setLeaf = (node: PlannedNode) => (sets && leafSets.has(node) && (leafOf(node) as Behaviour).sets ? leafOf(node) as Behaviour : undefined);
    if (op === 'or') {
      // Only a leaf that is one set of users with rows can merge under OR.
      const one = (node: PlannedNode) => { const b = setLeaf(node); return b && b.sets!.length === 1 && !b.sets![0]!.absent ? b : undefined; };
      const tables = new Map<BehaviourTable, PlannedNode[]>();
      for (const node of conditions) { const b = one(node); if (b) once(tables, b.table, () => []).push(node); }
      if (![...tables.values()].some((nodes) => nodes.length > 1)) return conditions.map(predicate);
      return conditions.flatMap((node) => {
        const b = one(node);
        const nodes = b && tables.get(b.table)!;
        if (!b || nodes!.length < 2) return [predicate(node)];
        if (nodes![0] !== node) return [];
        const rows = anyRows(nodes!.map((n) => (leafOf(n) as Behaviour).sets![0]!.rows));
        return [profile(probe({ query: usersOf(b.table, rows), absent: false }), nodes!.map((n) => n.path))];
      });
    }
    // Under AND every set of a leaf is a conjunct of the group.
    interface Part { node: PlannedNode; rows: Sql }
    const tables = new Map<BehaviourTable, { having: Part[]; without: Part[] }>();
    for (const node of conditions) {
      const b = setLeaf(node);
      for (const set of b?.sets ?? []) {
        const table = once(tables, b!.table, () => ({ having: [], without: [] }));
        (set.absent ? table.without : table.having).push({ node, rows: set.rows });
      }
    }
    // Not for events: a user often has many rows of one (logins, page views), and each row of C would
    // probe the inner set where a set of its own is probed once a user ("logged in, never purchased",
    // 20 logins a user: 101 → 114 ms). Experiences and answers hold a row or a few a user.
    const nests = (table: BehaviourTable) => {
      const { having, without } = tables.get(table)!;
      return table !== 'events' && having.length > 0 && without.length > 0;
    };
    if (![...tables].some(([name, t]) => nests(name) || t.without.length > 1)) return conditions.map(predicate);
    const anyOf = (parts: Part[]) => anyRows(parts.map((p) => p.rows));
    const paths = (parts: Part[]) => [...new Set(parts.map((p) => p.node.path))];
    return conditions.flatMap((node) => {
      const b = setLeaf(node);
      if (!b) return [predicate(node)];
      const table = tables.get(b.table)!;
      return b.sets!.flatMap((set) => {
        const alone = () => [profile(probe({ query: usersOf(b.table, set.rows), absent: set.absent }), node.path)];
        if (!set.absent) {
          if (!nests(b.table) || table.having[0]!.rows !== set.rows) return alone();
          nested = true;
          const query = usersOf(b.table, sql`${set.rows} AND user_key NOT IN (${usersOf(b.table, anyOf(table.without))})`);
          return [profile(probe({ query, absent: false }), paths([table.having[0]!, ...table.without]))];
        }
        if (nests(b.table)) return [];
        if (table.without.length < 2) return alone();
        return table.without[0]!.rows === set.rows ? [profile(probe({ query: usersOf(b.table, anyOf(table.without)), absent: true }), paths(table.without))] : [];
      });
    });
  }

  /**
   * Whether some set holds another as `NOT IN`: the engine would otherwise prepare the inner set
   * for an index lookup on the outer set's table, where no key starts with `user_key` ("purchased,
   * not logged in" 129 → 810 ms; 122 without it).
   */
  let nested = false;
  const planSettings = (...more: Sql[]): Sql | undefined => {
    const all = [...(nested ? [sql`use_index_for_in_with_subqueries = 0`] : []), ...more];
    return all.length ? join(all, ', ') : undefined;
  };

  // Profile predicates are computed in the users scan itself (they read JSON subcolumns, which a
  // join would otherwise carry whole), and only their results travel through the joins.
  const profiles = new Map<string, { name: string; predicate: Sql; path: string | readonly string[] }>();
  const joins = strategy === 'single_pass' && trees.some(needsPass);
  const profile = (predicate: Sql, path: string | readonly string[]): Sql => {
    if (strategy === 'naive') {
      // Each condition its own subquery, profile conditions included: the baseline the planner is measured against.
      return sql`${comment(path)}${sql.raw(USERS_ALIAS)}.id IN (
        SELECT ${sql.raw(USERS_ALIAS)}.id FROM users AS ${sql.raw(USERS_ALIAS)} FINAL WHERE ${scope(USERS_ALIAS)} AND ${predicate})`;
    }
    if (!joins) return sql`${comment(path)}${predicate}`;
    const entry = once(profiles, fingerprint(predicate), () => ({ name: `c${profiles.size}`, predicate, path }));
    return sql`${comment(path)}${sql.raw(`${USERS_ALIAS}.${entry.name}`)}`;
  };

  const narrowed = narrowing();
  if (narrowed) return narrowed;
  const members = trees.map(predicate);
  const ctes: Sql[] = [];
  let from = joins ? usersScan() : sql`users AS ${sql.raw(USERS_ALIAS)} FINAL`;
  // Sets, passes and joins match users on user_key, a 128-bit hash of the id stored with every row
  // (migration 0005) rather than the id string: hashing and comparing a fixed-width key is what
  // makes the GROUP BY and the join ~40 % cheaper at a million users (UUID ids: 3×), and a collision
  // among 128-bit hashes is as unlikely as one among UUIDs.
  for (const pass of passes.values()) {
    const { cte, alias, table } = pass;
    ctes.push(sql`${sql.raw(cte)} AS (
      SELECT ${userKey('user_id')}, ${join(pass.columns, ',\n')}
      FROM ${sql.raw(table)}
      WHERE ${scope()} AND (${join([...pass.rows.values()].map((r) => sql`(${r})`), '\nOR ')})
      GROUP BY user_key
    )`);
    from = sql`${from} LEFT JOIN ${sql.raw(cte)} AS ${sql.raw(alias)} ON ${sql.raw(alias)}.user_key = ${sql.raw(USERS_ALIAS)}.user_key`;
  }
  // Without joins the predicates stay in the users scan's WHERE, where PREWHERE can take them.
  if (!joins) return { with: undefined, from, where: scope(USERS_ALIAS), members, settings: planSettings() };
  return { with: join(ctes, ',\n'), from, where: TRUE, members, settings: planSettings() };

  /**
   * One audience whose conditions must all hold, among them profile conditions that keep few users
   * and a set: the users passing the other conditions are RIGHT SEMI JOINed to the set's query (a
   * measured set first), rather than every user probing the set. The engine then filters the set's
   * rows by those users' keys as it reads them (a runtime join filter), so a GROUP BY only counts
   * the rows of users who can still be members: "plan is pro and 2+ of one of four events" 150 →
   * 95 ms, "plan is pro and 5+ active days" 102 → 64 ms at a million users. When the profile
   * conditions keep most users the join's build side is as large as the users, and the probe wins
   * (plan is not free, 52 %: 105 → 114 ms joined); with no statistics, the plan estimates how many
   * they keep from their shape (selectivity.ts). The other conditions stay in the users scan,
   * where their own sets are probed (after the join they cost 5×).
   */
  function narrowing(): AudienceSource | undefined {
    const tree = trees[0]!;
    if (!sets || trees.length !== 1 || options.userColumns === 'all' || !mayNarrow(tree)) return undefined;
    const { conditions } = tree;
    const candidates = conditions.flatMap((node) => {
      const b = setForm(node);
      return b ? setsOf(b).map((set, i, all) => ({ node, set, others: all.filter((_, j) => j !== i) })).filter((c) => !c.set.absent) : [];
    });
    const chosen = candidates.find((c) => c.set.measured) ?? candidates[0];
    if (!chosen || conditions.some((c) => c !== chosen.node && needsPass(c))) return undefined;
    const u = sql.raw(USERS_ALIAS);
    const rest = [...parts('and', conditions.filter((c) => c !== chosen.node)), ...chosen.others.map((set) => sql`${comment(chosen.node.path)}${probe(set)}`)];
    const where = rest.length ? sql`${scope(USERS_ALIAS)} AND ${rest.length === 1 ? rest[0]! : allOf(rest)}` : scope(USERS_ALIAS);
    const users = sql`(SELECT ${u}.id, ${u}.user_key FROM users AS ${u} FINAL WHERE ${where}) AS ${u}`;
    const from = sql`(${comment(chosen.node.path)}${chosen.set.query}) AS set_users RIGHT SEMI JOIN ${users} ON ${u}.user_key = set_users.user_key`;
    // The users are the join's build side, as written: the engine would otherwise pick by row
    // estimates from earlier runs, and with the set's query as the build side nothing narrows it.
    return { with: undefined, from, where: TRUE, members: [TRUE], settings: planSettings(sql`query_plan_join_swap_table = false`), narrowed: true };
  }

  /**
   * The user key of a scan's rows: the stored one (migration 0005), or for one user's membership
   * the hash of the id, so that events are read from the by_user projection, which does not store it.
   */
  function userKey(id: string): Sql {
    return userId === undefined ? sql.raw('user_key') : sql`xxh3_128(${sql.raw(id)}) AS user_key`;
  }

  function usersScan(): Sql {
    const columns = options.userColumns === 'all' ? sql.raw('*') : sql.raw('id');
    const computed = [...profiles.values()].map((p) => sql`${comment(p.path)}${p.predicate} AS ${sql.raw(p.name)}`);
    const keyed = sql`${columns}, ${userKey(`${USERS_ALIAS}.id`)}`;
    const list = computed.length ? sql`${keyed}, ${join(computed, ',\n')}` : keyed;
    return sql`(SELECT ${list} FROM users AS ${sql.raw(USERS_ALIAS)} FINAL WHERE ${scope(USERS_ALIAS)}) AS ${sql.raw(USERS_ALIAS)}`;
  }
}

/**
 * The first half of `narrowing`'s test, read from the tree alone: its conditions must all hold, and
 * its profile conditions likely keep few users. (The other half needs the plan: a set to join.)
 */
export function mayNarrow(tree: PlannedGroup): boolean {
  return tree.op === 'and' && !tree.negate && tree.conditions.reduce((kept, c) => kept * (selectivity(c) ?? 1), 1) <= CLEARLY_SELECTIVE;
}

/** Rows passing any of these filters (one as it is). */
function anyRows(rows: readonly Sql[]): Sql {
  return rows.length === 1 ? rows[0]! : sql`(${join(rows.map((r) => sql`(${r})`), '\nOR ')})`;
}

/** A group's predicate from its conditions' predicates. */
function combine(group: PlannedGroup, parts: readonly Sql[]): Sql {
  const combined = parts.length === 0 ? TRUE : parts.length === 1 ? parts[0]! : group.op === 'and' ? allOf(parts) : sql`(${join([...parts], '\nOR ')})`;
  return group.negate ? sql`NOT ${combined}` : combined;
}

/** Past this many terms a conjunction is written as the negated disjunction of their negations. */
const LONG_CONJUNCTION = 64;

/**
 * `a AND b AND …`. ClickHouse plans a long AND chain in time quadratic in its length (it splits
 * conjunctions to push each term down), an OR chain in linear time: 1000 answer conditions under
 * one AND took 50 s to plan, over empty tables. Past LONG_CONJUNCTION terms the chain is written
 * `NOT (NOT a OR NOT b OR …)`, the same in SQL's three-valued logic (De Morgan holds there too);
 * shorter ones stay plain, so the engine can still move their cheap terms to PREWHERE.
 */
function allOf(parts: readonly Sql[]): Sql {
  if (parts.length <= LONG_CONJUNCTION) return sql`(${join([...parts], '\nAND ')})`;
  return sql`NOT (${join(parts.map((p) => sql`NOT (${p})`), '\nOR ')})`;
}

/** One tree's audience: its predicate joins the scope. */
export function planAudience(tree: PlannedGroup, options: PlanOptions): AudienceSource {
  return planAudiences([tree], options);
}

function isBehaviour(node: PlannedNode): boolean {
  return node.kind === 'event' || node.kind === 'experience' || node.kind === 'answer';
}

/** The value under key, made the first time it is asked for. */
function once<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  if (!map.has(key)) map.set(key, make());
  return map.get(key)!;
}

/** Two fragments with the same SQL and values are the same aggregate or filter. */
function fingerprint(fragment: Sql): string {
  const { sql: text, params } = compileSql(fragment);
  return `${text}\0${JSON.stringify(params)}`;
}

/** A SQL comment naming the JSON pointers of the conditions a predicate stands for (paths hold only indices and field names). */
function comment(paths: string | readonly string[]): Sql {
  const names = (typeof paths === 'string' ? [paths] : paths).map((path) => path.replace(/[^\w/-]/g, '') || '/');
  return sql.raw(`/* ${names.join(', ')} */ `);
}
