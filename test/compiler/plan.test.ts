/**
 * The planner's choices by shape (compiler/plan.ts), read from the SQL it emits:
 * existence conditions as sets of users, measures in per-table passes, and one
 * pass per table for one user's membership. Correctness of every shape is the
 * differential suite's; this pins down which plan each shape gets.
 */
import { describe, expect, it } from 'vitest';
import { compileAudience, compileCounts, compileMembership, prepare } from '../../compiler/index.js';

const context = { project: 'p', now: new Date('2026-03-31T12:00:00Z'), resolveSegment: () => undefined };
const sqlOf = (...conditions: object[]) => compileAudience({ op: 'and', conditions }, context, { kind: 'count' }).sql;
const event = (rest: object = {}) => ({ type: 'event', source: 'api', event: 'login', ...rest });
const sets = (text: string) => text.match(/u\.user_key (NOT )?IN \(/g) ?? [];

describe('plan by shape', () => {
  it('"performed" and "did not perform" are sets of users: no GROUP BY, no join', () => {
    for (const condition of [event(), event({ operator: 'gte', value: 1 }), event({ operator: 'gt', value: 0 }), event({ operator: 'neq', value: 0 })]) {
      const text = sqlOf(condition);
      expect(sets(text), JSON.stringify(condition)).toEqual(['u.user_key IN (']);
      expect(text).not.toMatch(/JOIN|GROUP BY/);
    }
    for (const condition of [event({ operator: 'eq', value: 0 }), event({ operator: 'lt', value: 1 }), event({ operator: 'lte', value: 0 })]) {
      expect(sets(sqlOf(condition)), JSON.stringify(condition)).toEqual(['u.user_key NOT IN (']);
    }
  });

  it('seen / not_seen and answered / not_answered are sets too', () => {
    const text = sqlOf(
      { type: 'experience', experience: 'tour', interaction: 'seen' },
      { type: 'experience', experience: 'tour', interaction: 'not_completed', within: { amount: 7, unit: 'days' } },
      { type: 'answer', experience: 'nps', step: 'score', operator: 'not_answered' },
    );
    // Seen, and not completed within 7 days: the users who saw it, less those who completed it (one set holding the other).
    expect(sets(text)).toEqual(['u.user_key IN (', 'u.user_key NOT IN (']);
    expect(text).toMatch(/interaction = \{p\d+:String\}\s+AND user_key NOT IN \(/);
    expect(text).not.toMatch(/JOIN/);
  });

  it('a first / last time or a min / max in a range is a set of users with values in it, less those with values below (above) it', () => {
    const cases: Array<[object, string[]]> = [
      [event({ measure: 'first_time', operator: 'more_than_ago', value: { amount: 90, unit: 'days' } }), ['u.user_key IN (']],
      [event({ measure: 'first_time', operator: 'in_last', value: { amount: 3, unit: 'days' } }), ['u.user_key IN (', 'u.user_key NOT IN (']],
      [event({ measure: 'last_time', operator: 'after', value: '2026-01-01' }), ['u.user_key IN (']],
      [event({ measure: 'last_time', operator: 'on', value: '2026-01-01' }), ['u.user_key IN (', 'u.user_key NOT IN (']],
      [event({ measure: { min: 'amount' }, operator: 'lte', value: 3 }), ['u.user_key IN (']],
      [event({ measure: { max: 'amount' }, operator: 'between', value: [1, 3] }), ['u.user_key IN (', 'u.user_key NOT IN (']],
    ];
    // Events keep the two sets apart (a user may have many rows in the range: each would probe the second).
    const allSets = (text: string) => text.match(/(u\.)?user_key (NOT )?IN \(/g) ?? [];
    for (const [condition, expected] of cases) {
      const text = sqlOf(condition);
      expect(allSets(text), JSON.stringify(condition)).toEqual(expected);
      expect(text).not.toMatch(/JOIN|GROUP BY/);
    }
  });

  it('sets of one table merge where the group allows: "has rows" under OR, "has none" under AND', () => {
    const seen = (experience: string, interaction = 'seen') => ({ type: 'experience', experience, interaction });
    const none = (name: string) => event({ event: name, operator: 'eq', value: 0 });
    const any = (...conditions: object[]) => compileAudience({ op: 'or', conditions }, context, { kind: 'count' }).sql;
    // Performed any of two events, or seen a tour: one set of events rows, one of interactions.
    const or = any(event(), event({ event: 'purchase', window: { in_last: { amount: 7, unit: 'days' } } }), seen('tour'));
    expect(sets(or)).toEqual(['u.user_key IN (', 'u.user_key IN (']);
    expect(or).toMatch(/\/\* \/conditions\/0, \/conditions\/1 \*\/ u\.user_key IN \(\s*SELECT user_key FROM events WHERE project = \{p0:String\} AND \(\(source = /);
    // Did none of three events and saw neither tour: one set per table.
    expect(sets(sqlOf(none('a'), none('b'), none('c'), seen('t1', 'not_seen'), seen('t2', 'not_seen')))).toEqual(['u.user_key NOT IN (', 'u.user_key NOT IN (']);
    // A first login in the last 3 days (some login in them, none before) beside "did not search": the
    // "none before" set merges with it, the other stays (events: no set inside another).
    const first = sqlOf(event({ measure: 'first_time', operator: 'in_last', value: { amount: 3, unit: 'days' } }), none('search'));
    expect(sets(first)).toEqual(['u.user_key IN (', 'u.user_key NOT IN (']);
    expect(first).not.toMatch(/SETTINGS/);
    // Seen one tour and not another, not answered a step: the users who saw it less those who saw the other.
    const tours = sqlOf(seen('t1'), seen('t2', 'not_seen'), { type: 'answer', experience: 'nps', step: 's', operator: 'not_answered' });
    expect(sets(tours)).toEqual(['u.user_key IN (', 'u.user_key NOT IN (']);
    expect(tours).toMatch(/AND user_key NOT IN \(\s*SELECT user_key FROM interactions WHERE/);
    expect(tours).toMatch(/\nSETTINGS use_index_for_in_with_subqueries = 0$/);
    // Not where the logic does not allow it: each needs its own set.
    expect(sets(sqlOf(event(), event({ event: 'purchase' })))).toEqual(['u.user_key IN (', 'u.user_key IN (']);
    expect(sets(any(none('a'), none('b')))).toEqual(['u.user_key NOT IN (', 'u.user_key NOT IN (']);
    expect(sets(any(event(), event({ event: 'purchase', measure: 'first_time', operator: 'in_last', value: { amount: 3, unit: 'days' } })))).toEqual(['u.user_key IN (', 'u.user_key IN (', 'u.user_key NOT IN (']);
  });

  const measures = [
    event({ operator: 'gte', value: 2 }), event({ operator: 'between', value: [0, 3] }), event({ measure: 'distinct_days', operator: 'gte', value: 1 }),
    event({ measure: { sum: 'amount' }, operator: 'gt', value: 0 }), event({ measure: { avg: 'amount' }, operator: 'gt', value: 3 }),
    { type: 'answer', experience: 'nps', step: 'score', operator: 'gte', value: 9 },
  ];

  it('a measure alone on its table is a set of the users its test holds (or fails) for: GROUP BY … HAVING, no join', () => {
    for (const condition of measures) {
      const text = sqlOf(condition);
      expect(text, JSON.stringify(condition)).toMatch(/u\.user_key (NOT )?IN \([\s\S]*GROUP BY user_key HAVING/);
      expect(text).not.toMatch(/JOIN/);
    }
    // "fewer than 3": users without rows hold it, so it is everyone but those with rows failing it.
    expect(sets(sqlOf(event({ operator: 'lt', value: 3 })))).toEqual(['u.user_key NOT IN (']);
  });

  it('a group of one table\'s conditions that holds all its measured ones is one set: GROUP BY … HAVING the group\'s test', () => {
    const paid = { type: 'custom_attribute', key: 'plan', operator: 'is_not', value: 'free' };
    const trees = [
      [measures[0]!, measures[3]!],
      // "(paid and 2+ searches) or (paid and 2+ invites)": paid is factored out, the OR is one set.
      [{ op: 'or', conditions: [{ op: 'and', conditions: [event({ event: 'search', operator: 'gte', value: 2 }), paid] }, { op: 'and', conditions: [event({ event: 'invite', operator: 'gte', value: 2 }), paid] }] }],
    ];
    for (const conditions of trees) {
      const text = sqlOf(...conditions);
      expect(sets(text), JSON.stringify(conditions)).toEqual(['u.user_key IN (']);
      expect(text).toMatch(/GROUP BY user_key HAVING \(/);
      expect(text).not.toMatch(/JOIN/);
    }
    // Fewer than 3 logins or over 5 spent holds for users without rows: everyone but those with rows failing it.
    expect(sets(sqlOf({ op: 'or', conditions: [event({ operator: 'lt', value: 3 }), event({ event: 'purchase', measure: { sum: 'amount' }, operator: 'gt', value: 5 })] }))).toEqual(['u.user_key NOT IN (']);
  });

  it('a set ANDed with profile conditions that keep few users is joined to them, users as the build side', () => {
    const pro = { type: 'custom_attribute', key: 'plan', operator: 'is', value: 'pro' };
    const paid = { type: 'custom_attribute', key: 'plan', operator: 'is_not', value: 'free' };
    const narrowed = /^SELECT count\(\) AS count\nFROM \(\/\* [^*]+ \*\/ SELECT user_key FROM events WHERE [\s\S]* AS set_users RIGHT SEMI JOIN \(SELECT u\.id, u\.user_key FROM users AS u FINAL WHERE [\s\S]*\) AS u ON u\.user_key = set_users\.user_key\nWHERE true\nSETTINGS (use_index_for_in_with_subqueries = 0, )?query_plan_join_swap_table = false$/;
    // The measured set is the one joined (its GROUP BY then counts those users' rows only); the other sets are probed in the users scan.
    const text = sqlOf(pro, event(), event({ event: 'purchase', operator: 'gte', value: 3 }), event({ event: 'search', operator: 'eq', value: 0 }));
    expect(text).toMatch(narrowed);
    expect(text.slice(0, text.indexOf('AS set_users RIGHT SEMI JOIN'))).toMatch(/GROUP BY user_key HAVING/);
    expect(sets(text)).toEqual(['u.user_key IN (', 'u.user_key NOT IN (']);
    // A condition of two sets (first login in a closed range: some login in it, none before) joins
    // the one it has rows of and probes the other; a group set is joined whole.
    const firstIn = sqlOf(pro, event({ measure: 'first_time', operator: 'between', value: ['2026-01-01', '2026-02-01'] }));
    expect(firstIn).toMatch(narrowed);
    expect(sets(firstIn)).toEqual(['u.user_key NOT IN (']);
    const group = sqlOf(pro, { op: 'or', conditions: [event({ event: 'search', operator: 'gte', value: 2 }), event({ event: 'invite', operator: 'gte', value: 2 })] });
    expect(group).toMatch(narrowed);
    expect(group.slice(0, group.indexOf('AS set_users'))).toMatch(/GROUP BY user_key HAVING \(/);
    expect(sets(group)).toEqual([]);
    // Two ranges keep 1/9 by System R's guesses; an existence set is joined when no measured one is there.
    expect(sqlOf({ type: 'attribute', attribute: 'sessions', operator: 'gt', value: 3 }, { type: 'attribute', attribute: 'created_at', operator: 'in_last', value: { amount: 7, unit: 'days' } }, event())).toMatch(narrowed);
    // Not when the profile conditions likely keep most users, with no profile condition, nor for pages of users or one user.
    for (const conditions of [[paid, event()], [{ type: 'attribute', attribute: 'sessions', operator: 'gt', value: 3 }, event()], [event(), event({ event: 'purchase', operator: 'gte', value: 3 })]]) {
      expect(sqlOf(...conditions), JSON.stringify(conditions)).not.toMatch(/JOIN|SETTINGS/);
    }
    const tree = { op: 'and', conditions: [pro, event()] };
    expect(compileAudience(tree, context, { kind: 'users', sort: { by: 'id', order: 'asc' }, limit: 50 }).sql).not.toMatch(/JOIN/);
    // In a batch, a tree that narrows is counted apart (a scalar subquery, narrowed); the others share one scan.
    const batch = compileCounts([prepare({ op: 'and', conditions: [event({ event: 'purchase' })] }, () => undefined), prepare(tree, () => undefined), prepare({ op: 'and', conditions: [event()] }, () => undefined)], context).sql;
    expect(batch).toMatch(/^SELECT countIf\([\s\S]*\) AS s0,\n\(SELECT count\(\) AS count\nFROM \([\s\S]* RIGHT SEMI JOIN [\s\S]*SETTINGS query_plan_join_swap_table = false\) AS s1,\ncountIf\([\s\S]*\) AS s2\nFROM users AS u FINAL\nWHERE u\.project = /);
    // A batch of one tree is that tree's count, narrowed alike; of only narrowed trees, no shared scan at all.
    expect(compileCounts([prepare(tree, () => undefined)], context).sql).toMatch(/^SELECT \(SELECT count\(\) AS count\nFROM[\s\S]*RIGHT SEMI JOIN[\s\S]*SETTINGS query_plan_join_swap_table = false\) AS s0$/);
    expect(compileMembership([prepare(tree, () => undefined)], 'u1', context).sql).not.toMatch(/RIGHT SEMI JOIN/);
    // An OR at the top, or a negated AND, has no conditions that must all hold.
    expect(compileAudience({ op: 'or', conditions: [pro, event()] }, context, { kind: 'count' }).sql).not.toMatch(/JOIN/);
    expect(compileAudience({ op: 'and', negate: true, conditions: [pro, event()] }, context, { kind: 'count' }).sql).not.toMatch(/JOIN/);
  });

  it('measures of one table in different branches share one per-user pass, joined once', () => {
    const pairs: Array<[object, object]> = [[measures[0]!, measures[3]!], [measures[1]!, measures[4]!], [measures[5]!, { ...measures[5]!, step: 'other' }]];
    const either = (condition: object, attribute: string) => ({ op: 'or', conditions: [condition, { type: 'attribute', attribute, operator: 'is_not_empty' }] });
    for (const [a, b] of pairs) {
      const text = sqlOf(either(a, 'email'), either(b, 'name'));
      expect(text, JSON.stringify([a, b])).toMatch(/LEFT JOIN \w+_measures AS \w+ ON \w+\.user_key = u\.user_key/);
      expect(sets(text)).toEqual([]);
    }
  });

  it('sets and passes mix in one tree; profile and set predicates are computed in the users scan', () => {
    const text = sqlOf(event(), event({ event: 'purchase', operator: 'gte', value: 3 }), event({ event: 'search', operator: 'lt', value: 3 }), { type: 'attribute', attribute: 'email', operator: 'is_not_empty' });
    expect(sets(text)).toHaveLength(1);
    expect(text).toMatch(/u\.user_key IN \([\s\S]*\) AS c\d/);
    expect(text).toMatch(/LEFT JOIN event_measures/);
  });

  it('one user\'s membership keeps one pass per table: each set would cost a granule per part', () => {
    const trees = [{ op: 'and', conditions: [event()] }, { op: 'and', conditions: [event({ event: 'purchase', operator: 'eq', value: 0 })] }].map((t) => prepare(t, () => undefined));
    const { sql } = compileMembership(trees, 'u1', context);
    expect(sets(sql)).toEqual([]);
    expect(sql.match(/FROM events/g)).toHaveLength(1);
  });
});
