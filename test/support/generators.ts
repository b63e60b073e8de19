/**
 * Random data and random condition trees for the differential tests, drawn
 * from small pools of nasty values so that conditions actually match: quotes,
 * braces, `%`, `_`, backslashes, unicode case, empty strings, values of the
 * wrong type, date-like strings, boundary and future timestamps.
 */
import fc from 'fast-check';
import type { Dataset, Profile } from './evaluator.js';

export const NOW = '2026-06-15T12:00:00.000Z';
const NOW_MS = Date.parse(NOW);
const iso = (ms: number) => new Date(ms).toISOString();
const DAY = 86_400_000;

export const USER_IDS = [...Array.from({ length: 34 }, (_, i) => `u${i}`), "q'\"{}", 'ünï-1'];
const STRINGS = ['', 'pro', 'Pro', '50%', '5_0', 'a\\b', "O'Brien {x}", 'ÉCOLE', 'école', '1',
  '2026-01-15', '2026-01-15T10:30:00.000Z', '2025-12-31T23:59:59.999+02:00', '2026-06-14 08:00:00', '2026-02-30'];
const NUMBERS = [0, 1, -1, 2.5, 10, 3];
const LISTS = [[], ['a'], ['a', 'b'], ['B'], ['pro', 'x'], ['']];
const KEYS = ['plan', 'a.b', "q'k {k}", 'ünï 50%', 'back\\slash'];
const TIMES = [
  0, 60_000, 3_600_000, DAY - 1, DAY, 29 * DAY, 30 * DAY, 30 * DAY + 1, 31 * DAY, 76 * DAY, 92 * DAY, 200 * DAY, 365 * DAY, -DAY,
].map((ago) => iso(NOW_MS - ago)).concat(['2026-06-15T00:00:00.000Z', '2026-06-14T23:59:59.999Z', '2026-01-15T10:30:00.000Z', '2026-01-15T00:00:00.000Z', '2026-03-15T12:00:00.000Z', '2025-12-31T23:59:59.999Z']);
const DATE_OPERANDS = ['2026-01-15', '2026-01-15T15:30:00+05', '2026-06-15', '2026-06-14T23:59:59.999Z', '2026-01-15T10:30:00.000Z', '2025-12-31', '2026-03-15T12:00:00.000Z'];
const DURATIONS = [{ amount: 30, unit: 'days' }, { amount: 1, unit: 'months' }, { amount: 3, unit: 'months' }, { amount: 1, unit: 'hours' },
  { amount: 2, unit: 'weeks' }, { amount: 0, unit: 'minutes' }, { amount: 6, unit: 'months' }];
const SOURCES = ['jimo', 'segmentio', 'posthog', 'api'];
const EVENTS = ['e1', 'e2'];
const EXPERIENCES = ['t1', 't2'];
const STEPS = ['s1', 's2'];

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
const value = fc.oneof(pick(STRINGS), pick(NUMBERS), fc.boolean(), pick(LISTS));
const bag = fc.dictionary(pick(KEYS), value, { minKeys: 1, maxKeys: 4 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const profile = (id: string): fc.Arbitrary<Profile> => fc.record({
  id: fc.constant(id),
  name: maybe(pick(STRINGS)),
  email: maybe(pick(['ada@x.io', 'ADA@X.IO', '', 'b%c@x.io'])),
  language: maybe(pick(['en', 'fr', ''])),
  created_at: maybe(pick(TIMES)),
  first_seen_at: maybe(pick(TIMES)),
  last_activity_at: maybe(pick(TIMES)),
  sessions: maybe(pick([0, 1, 3, 10, 250])),
  tags: maybe(pick(LISTS)),
  attributes: bag,
  traits: bag,
});

export interface GeneratedData extends Dataset {
  /** Users written and then deleted: they must match nothing. */
  deleted: Profile[];
}

export const dataset: fc.Arbitrary<GeneratedData> = fc.record({
  userIds: fc.subarray(USER_IDS, { minLength: 20 }),
  deletedIds: fc.subarray(['gone1', 'gone2']),
}).chain(({ userIds, deletedIds }) => {
  const everyone = [...userIds, ...deletedIds, 'ghost'];
  return fc.record({
    users: fc.tuple(...userIds.map(profile)),
    deleted: fc.tuple(...deletedIds.map(profile)),
    events: fc.array(fc.record({
      user_id: pick(everyone), source: pick(SOURCES), event: pick(EVENTS), timestamp: pick(TIMES),
      properties: fc.dictionary(pick(['plan', 'amount', 'a.b', '50%']), fc.oneof(value, pick([0.25, 5, 7.5, 12]))),
    }), { minLength: 40, maxLength: 150 }),
    interactions: fc.array(fc.record({ user_id: pick(everyone), experience: pick(EXPERIENCES), interaction: pick(['seen', 'completed', 'dismissed']), timestamp: pick(TIMES) }), { minLength: 10, maxLength: 50 }),
    answers: fc.array(fc.record({
      user_id: pick(everyone), experience: fc.constant('nps'), step: pick(STEPS),
      value: fc.oneof(pick(STRINGS), pick(NUMBERS), pick(LISTS.filter((l) => l.length > 0))), timestamp: pick(TIMES),
    }), { minLength: 10, maxLength: 50 }).map((answers) =>
      // Distinct timestamps per answer, so "the latest answer" is never a tie.
      answers.map((a, i) => ({ ...a, timestamp: iso(Date.parse(a.timestamp) - i * 1000) }))),
  });
});

// ── Trees ────────────────────────────────────────────────────────────────

const stringComparison = fc.oneof(
  fc.record({ operator: pick(['is', 'is_not', 'contains', 'not_contains', 'starts_with', 'ends_with']), value: pick([...STRINGS, 'P', 'ro', '%', '_', '\\', 'é', '15']) }),
  fc.record({ operator: pick(['in', 'not_in']), value: fc.subarray(STRINGS, { minLength: 1, maxLength: 3 }) }),
);
const numberComparison = fc.oneof(
  fc.record({ operator: pick(['eq', 'neq', 'gt', 'gte', 'lt', 'lte']), value: pick(NUMBERS) }),
  fc.record({ operator: fc.constant('between'), value: fc.tuple(pick([-1, 0, 1, 2.5]), pick([1, 3, 10, 100])) }),
);
const dateComparison = fc.oneof(
  fc.record({ operator: pick(['before', 'after', 'on']), value: pick(DATE_OPERANDS) }),
  fc.record({ operator: fc.constant('between'), value: fc.tuple(pick(DATE_OPERANDS), pick(DATE_OPERANDS)) }),
  fc.record({ operator: pick(['in_last', 'more_than_ago']), value: pick(DURATIONS) }),
);
const listComparison = fc.oneof(
  fc.record({ operator: pick(['includes', 'excludes']), value: pick(['a', 'b', 'B', 'pro', '']) }),
  fc.record({ operator: pick(['includes_any', 'includes_all']), value: fc.subarray(['a', 'b', 'B', 'pro', 'x'], { minLength: 1 }) }),
);
const emptyComparison = fc.record({ operator: pick(['is_empty', 'is_not_empty']) });
const booleanComparison = fc.record({ operator: pick(['is_true', 'is_false']) });
const anyComparison = fc.oneof(stringComparison, numberComparison, dateComparison, listComparison, emptyComparison, booleanComparison);

const attribute = fc.oneof(
  fc.record({ attribute: pick(['id', 'name', 'email', 'language']), c: fc.oneof(stringComparison, emptyComparison) }),
  fc.record({ attribute: pick(['created_at', 'first_seen_at', 'last_activity_at']), c: fc.oneof(dateComparison, emptyComparison) }),
  fc.record({ attribute: fc.constant('sessions'), c: fc.oneof(numberComparison, emptyComparison) }),
  fc.record({ attribute: fc.constant('tags'), c: fc.oneof(listComparison, emptyComparison) }),
).map(({ attribute, c }) => ({ type: 'attribute', attribute, ...c }));

const customAttribute = fc.record({ key: pick(KEYS), source: pick(['jimo', 'segmentio', undefined]), c: anyComparison })
  .map(({ key, source, c }) => ({ type: 'custom_attribute', key, ...(source ? { source } : {}), ...c }));

const window = fc.oneof(
  pick(DURATIONS).map((d) => ({ in_last: d })),
  pick(DURATIONS).map((d) => ({ more_than_ago: d })),
  fc.tuple(pick(DATE_OPERANDS), pick(DATE_OPERANDS)).map((b) => ({ between: b })),
  pick(DATE_OPERANDS).map((d) => ({ before: d })),
  pick(DATE_OPERANDS).map((d) => ({ after: d })),
);
const measureComparison = fc.oneof(
  // 150 takes distinct_days past the bounded count (uniqUpTo) to the exact one.
  fc.record({ operator: pick(['eq', 'neq', 'gt', 'gte', 'lt', 'lte']), value: pick([0, 1, 2, 3, 5, 7.5, 12.25, 150]) }),
  fc.record({ operator: fc.constant('between'), value: fc.tuple(pick([0, 1, 2]), pick([1, 3, 20])) }),
);
const whereFilter = fc.record({ property: pick(['plan', 'amount', 'a.b', '50%']), c: anyComparison }).map(({ property, c }) => ({ property, ...c }));
const event = fc.record({
  source: pick(SOURCES),
  event: pick(EVENTS),
  where: fc.array(whereFilter, { maxLength: 2 }),
  window: fc.option(window, { nil: undefined }),
  measure: pick(['count', 'distinct_days', { sum: 'amount' }, { avg: 'amount' }, { min: 'amount' }, { max: 'amount' }, 'first_time', 'last_time', undefined]),
  numeric: fc.option(measureComparison, { nil: undefined }),
  date: dateComparison.filter((c) => c.operator !== 'is_empty'),
}).map(({ source, event, where, window, measure, numeric, date }) => {
  const timed = measure === 'first_time' || measure === 'last_time';
  return {
    type: 'event', source, event, ...(where.length ? { where } : {}), ...(window && !timed ? { window } : {}),
    ...(measure ? { measure } : {}), ...(timed ? date : numeric ?? {}),
  };
});
const experience = fc.record({
  experience: pick(EXPERIENCES), interaction: pick(['seen', 'not_seen', 'completed', 'not_completed', 'dismissed', 'not_dismissed']),
  within: fc.option(pick(DURATIONS), { nil: undefined }),
}).map((e) => ({ type: 'experience', ...e, ...(e.within ? {} : { within: undefined }) }));
const answer = fc.record({
  step: pick(STEPS),
  c: fc.oneof(fc.record({ operator: pick(['answered', 'not_answered']) }), stringComparison, numberComparison, listComparison),
  within: fc.option(pick(DURATIONS), { nil: undefined }),
}).map(({ step, c, within }) => ({ type: 'answer', experience: 'nps', step, ...c, ...(within ? { within } : {}) }));

export const leaf = fc.oneof(attribute, customAttribute, event, experience, answer);

function treeOf(leaves: fc.Arbitrary<object>): fc.Arbitrary<object> {
  return fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaves, tie('group')),
    group: fc.record({
      op: pick(['and', 'or']),
      negate: fc.option(fc.boolean(), { nil: undefined }),
      conditions: fc.array(tie('node'), { maxLength: 3 }),
    }).map((g) => JSON.parse(JSON.stringify(g))),
  })).group;
}

export const tree = treeOf(leaf);

/** Saved segments for a dataset: two plain trees, one nesting them, one without conditions (everyone). */
export const savedSegments: fc.Arbitrary<Record<string, object>> = fc.record({ a: tree, b: tree, c: tree }).map(({ a, b, c }) => ({
  sA: a,
  sB: b,
  sC: { op: 'or', conditions: [{ type: 'segment', segment: 'sA', operator: 'not_in' }, { op: 'and', conditions: [{ type: 'segment', segment: 'sB', operator: 'in' }, c] }] },
  sE: { op: 'and', conditions: [{ op: 'or', conditions: [] }] },
}));

const segmentLeaf = fc.record({ type: fc.constant('segment'), segment: pick(['sA', 'sB', 'sC', 'sE']), operator: pick(['in', 'not_in']) });

/**
 * Branches sharing a condition, as builders write them ("pro and X, or pro and Y", or dually): what
 * normalization factors out, which random trees alone would seldom produce.
 */
const anyLeaf: fc.Arbitrary<object> = leaf;
const sharedBranches: fc.Arbitrary<object> = fc.record({ op: pick(['and', 'or']), shared: anyLeaf, a: anyLeaf, b: fc.option(anyLeaf, { nil: undefined }) }).map(({ op, shared, a, b }) => {
  const dual = op === 'and' ? 'or' : 'and';
  return { op, conditions: [{ op: dual, conditions: [shared, a] }, { op: dual, conditions: b ? [b, shared] : [shared] }] };
});

/**
 * A group of conditions that only ask whether the user has rows of one table ("performed any of",
 * "did none of", seen / not seen, answered / not answered, a first time in a range), beside
 * another condition or not: the plan merges their sets (compiler/plan.ts, `parts`).
 */
const performed = fc.record({ source: pick(SOURCES), event: pick(EVENTS), where: fc.array(whereFilter, { maxLength: 1 }), window: fc.option(window, { nil: undefined }), c: pick([{}, { operator: 'gte', value: 1 }, { operator: 'eq', value: 0 }, { operator: 'lt', value: 1 }]) })
  .map(({ source, event, where, window, c }) => ({ type: 'event', source, event, ...(where.length ? { where } : {}), ...(window ? { window } : {}), ...c }));
const timed = fc.record({ source: pick(SOURCES), event: pick(EVENTS), measure: pick(['first_time', 'last_time']), c: dateComparison.filter((c) => c.operator !== 'is_empty') })
  .map(({ source, event, measure, c }) => ({ type: 'event', source, event, measure, ...c }));
const answered = fc.record({ step: pick(STEPS), operator: pick(['answered', 'not_answered']), within: fc.option(pick(DURATIONS), { nil: undefined }) })
  .map(({ step, operator, within }) => ({ type: 'answer', experience: 'nps', step, operator, ...(within ? { within } : {}) }));
const oneTable = fc.oneof(
  fc.array(fc.oneof({ weight: 3, arbitrary: performed }, { weight: 1, arbitrary: timed }), { minLength: 2, maxLength: 4 }),
  fc.array(experience, { minLength: 2, maxLength: 4 }),
  fc.array(answered, { minLength: 2, maxLength: 4 }),
);
export const sameTableSets: fc.Arbitrary<object> = fc.record({ op: pick(['and', 'or']), negate: fc.option(fc.boolean(), { nil: undefined }), sets: oneTable, other: fc.option(leaf, { nil: undefined }) })
  .map(({ op, negate, sets, other }) => JSON.parse(JSON.stringify({ op, negate, conditions: other ? [...sets, other] : sets })));

/** Trees that may also nest the saved segments of `savedSegments`. */
export const treeWithSegments = treeOf(fc.oneof({ weight: 5, arbitrary: leaf }, { weight: 1, arbitrary: segmentLeaf }, { weight: 1, arbitrary: sharedBranches }, { weight: 1, arbitrary: sameTableSets }));

/**
 * Trees whose conditions must all hold, with profile conditions that likely keep few users (one
 * value matched) and behavioural ones: the shape the plan narrows by a join (compiler/plan.ts).
 */
const selectiveProfile = fc.oneof(attribute, customAttribute).filter((c) => ['is', 'eq', 'on', 'includes'].includes((c as { operator: string }).operator));
export const narrowable: fc.Arbitrary<object> = fc.record({
  profile: fc.array(selectiveProfile, { minLength: 1, maxLength: 2 }),
  behaviour: fc.array(fc.oneof(event, experience, answer), { minLength: 1, maxLength: 3 }),
  rest: fc.option(treeWithSegments, { nil: undefined }),
}).map(({ profile, behaviour, rest }) => ({ op: 'and', conditions: [...behaviour, ...profile, ...(rest ? [rest] : [])] }));
