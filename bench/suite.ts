/**
 * The benchmark's segments: every category and operator family of SPEC §3,
 * over the data `segments seed` generates. Each has a floor: the same engine
 * reading only the rows and columns the segment must touch (the events of
 * its (source, event) pairs and windows, the attribute subcolumns it names) —
 * a lower bound for any plan, written by hand.
 */
const ev = (source: string, event: string, rest: object = {}) => ({ type: 'event', source, event, ...rest });
const attr = (key: string, operator: string, value?: unknown, source?: 'segmentio') => ({ type: 'custom_attribute', key, operator, value, ...(source ? { source } : {}) });
const days = (amount: number) => ({ amount, unit: 'days' });

export interface SuiteSegment {
  name: string;
  conditions: object;
  /** SQL reading what the segment must touch; `{project:String}` and `{now:DateTime64(3, 'UTC')}` are bound. */
  floor: string;
}

/**
 * Each table a segment touches, read once: the rows it must look at and the columns it needs —
 * and nothing else done with them (min of a tuple is about the cheapest way to make the engine
 * read every value). Parts run side by side as one UNION ALL query.
 */
const floor = (...parts: string[]) => parts.map((p) => `(${p})`).join(' UNION ALL ');
const read = (table: string, columns: string, where: string) =>
  `SELECT count() AS rows, toString(min(tuple(${columns}))) AS least FROM ${table} WHERE project = {project:String}${where ? ` AND ${where}` : ''}`;

/**
 * Every segment reads the project's users (SPEC §2: only existing users are members, the latest
 * version of each, so FINAL), with the attribute subcolumns it names.
 */
const users = (columns = 'id') => read('users FINAL', columns, '');

/** Rows of these (source, event) pairs, optionally within a window, reading the listed columns. */
function events(pairs: Array<[string, string]>, columns = 'user_id', window = ''): string {
  const where = pairs.map(([s, e]) => `(source = '${s}' AND event = '${e}')`).join(' OR ');
  return read('events', columns, `(${where})${window ? ` AND ${window}` : ''}`);
}

const usersFloor = (columns: string) => `SELECT count(), ${columns} FROM users FINAL WHERE project = {project:String}`;
const plan = 'dynamicElement(attributes.plan, \'String\')';
const inLastDays = (n: number) => `timestamp >= {now:DateTime64(3, 'UTC')} - INTERVAL ${n} DAY`;

export function suite(): SuiteSegment[] {
  const deepOr = { op: 'or', conditions: ['search', 'invite_sent', 'export_csv', 'report_created'].map((e) => ({ op: 'or', conditions: [{ op: 'and', conditions: [ev('api', e, { operator: 'gte', value: 2 }), attr('plan', 'is', 'pro')] }] })) };
  const big: object[] = [];
  for (let i = 0; i < 200; i++) {
    const k = i % 4;
    big.push(k === 0 ? attr('seats', 'gt', i) : k === 1 ? attr('country', 'is', ['US', 'FR', 'DE', 'GB', 'BR'][i % 5]) : k === 2 ? attr('logins_30d', 'lt', i % 50) : attr('plan', 'is_not', 'free'));
  }
  return [
    { name: 'attribute: plan is pro', conditions: { op: 'and', conditions: [attr('plan', 'is', 'pro')] }, floor: usersFloor('countIf(dynamicElement(attributes.plan, \'String\') = \'pro\')') },
    { name: 'native: email and name present', conditions: { op: 'and', conditions: [{ type: 'attribute', attribute: 'email', operator: 'is_not_empty' }, { type: 'attribute', attribute: 'name', operator: 'is_not_empty' }] }, floor: usersFloor('countIf(email != \'\' AND name != \'\')') },
    { name: 'native date: active in last 30 days', conditions: { op: 'and', conditions: [{ type: 'attribute', attribute: 'last_activity_at', operator: 'in_last', value: days(30) }] }, floor: usersFloor('countIf(last_activity_at >= {now:DateTime64(3, \'UTC\')} - INTERVAL 30 DAY)') },
    { name: 'traits: Segment.io plan and employees', conditions: { op: 'and', conditions: [attr('plan', 'in', ['pro', 'enterprise'], 'segmentio'), attr('employees', 'gte', 100, 'segmentio')] }, floor: usersFloor('countIf(dynamicElement(traits.plan, \'String\') IN (\'pro\', \'enterprise\') AND dynamicElement(traits.employees, \'Int64\') >= 100)') },
    { name: 'list: interests include any', conditions: { op: 'and', conditions: [attr('interests', 'includes_any', ['sales', 'design'])] }, floor: usersFloor('countIf(hasAny(dynamicElement(attributes.interests, \'Array(Nullable(String))\'), [\'sales\', \'design\']))') },
    { name: 'performed: login in last 30 days', conditions: { op: 'and', conditions: [ev('api', 'login', { window: { in_last: days(30) } })] }, floor: floor(users(), events([['api', 'login']], 'user_id', inLastDays(30))) },
    { name: 'did not perform: no purchase', conditions: { op: 'and', conditions: [ev('api', 'purchase', { operator: 'eq', value: 0 })] }, floor: floor(users(), events([['api', 'purchase']])) },
    { name: 'count with where: 3+ pro page views', conditions: { op: 'and', conditions: [ev('jimo', 'page_view', { where: [{ property: 'plan', operator: 'is', value: 'pro' }], operator: 'gte', value: 3 })] }, floor: floor(users(), events([['jimo', 'page_view']], 'user_id, dynamicElement(properties.plan, \'String\')')) },
    { name: 'sum of a property: spent over 500', conditions: { op: 'and', conditions: [ev('api', 'purchase', { measure: { sum: 'amount' }, operator: 'gt', value: 500 })] }, floor: floor(users(), events([['api', 'purchase']], 'user_id, dynamicElement(properties.amount, \'Float64\')')) },
    { name: 'distinct days: 5+ active days on $pageview', conditions: { op: 'and', conditions: [ev('posthog', '$pageview', { measure: 'distinct_days', operator: 'gte', value: 5 })] }, floor: floor(users(), events([['posthog', '$pageview']], 'user_id, toDate(timestamp)')) },
    { name: 'first time: first login over 90 days ago', conditions: { op: 'and', conditions: [ev('api', 'login', { measure: 'first_time', operator: 'more_than_ago', value: days(90) })] }, floor: floor(users(), events([['api', 'login']], 'user_id, timestamp')) },
    { name: 'experience: tour_1 seen, not completed', conditions: { op: 'and', conditions: [{ type: 'experience', experience: 'tour_1', interaction: 'seen' }, { type: 'experience', experience: 'tour_1', interaction: 'not_completed' }] }, floor: floor(users(), read('interactions', 'user_id', 'experience = \'tour_1\' AND interaction IN (\'seen\', \'completed\')')) },
    { name: 'answered with: NPS ≥ 9', conditions: { op: 'and', conditions: [{ type: 'answer', experience: 'nps_q1', step: 'score', operator: 'gte', value: 9 }] }, floor: floor(users(), read('answers', 'user_id, timestamp, dynamicType(value)', 'experience = \'nps_q1\' AND step = \'score\'')) },
    { name: 'negation: not (pro and purchased)', conditions: { op: 'and', negate: true, conditions: [attr('plan', 'is', 'pro'), ev('api', 'purchase')] }, floor: floor(users(`id, ${plan}`), events([['api', 'purchase']])) },
    { name: 'deep OR of events and attributes', conditions: deepOr, floor: floor(users(`id, ${plan}`), events([['api', 'search'], ['api', 'invite_sent'], ['api', 'export_csv'], ['api', 'report_created']])) },
    { name: 'mixed: attributes, events, experience, answer', conditions: { op: 'and', conditions: [attr('country', 'in', ['US', 'FR']), ev('api', 'login', { window: { in_last: days(90) } }), { op: 'or', conditions: [{ type: 'experience', experience: 'tour_2', interaction: 'completed' }, { type: 'answer', experience: 'csat_q2', step: 'rating', operator: 'gte', value: 4 }] }] }, floor: floor(users('id, dynamicElement(attributes.country, \'String\')'), events([['api', 'login']], 'user_id', inLastDays(90)), read('interactions', 'user_id', 'experience = \'tour_2\' AND interaction = \'completed\''), read('answers', 'user_id, timestamp, dynamicType(value)', 'experience = \'csat_q2\' AND step = \'rating\'')) },
    { name: 'nested segment: in "pro buyers", not in "churn risk"', conditions: { op: 'and', conditions: [{ type: 'segment', segment: 'pro buyers', operator: 'in' }, { type: 'segment', segment: 'churn risk', operator: 'not_in' }] }, floor: floor(users(`id, ${plan}`), events([['api', 'purchase']]), events([['api', 'login']], 'user_id', inLastDays(30))) },
    { name: '200-condition tree', conditions: { op: 'or', conditions: big }, floor: usersFloor('countIf(dynamicElement(attributes.seats, \'Int64\') > 0 OR dynamicElement(attributes.country, \'String\') != \'\' OR dynamicElement(attributes.logins_30d, \'Int64\') < 50 OR dynamicElement(attributes.plan, \'String\') != \'free\')') },
  ];
}

/**
 * The batch's floor: every row and column the whole suite must touch, each read once — the users
 * with every attribute subcolumn the suite names, and of each table the union of the suite's rows
 * with, per (source, event), only the columns some segment reads. A batch that shares every scan
 * perfectly still reads all of this, so `batch_ms` ≥ this, whatever the plan.
 */
export function batchFloor(): string {
  const attributes = [['plan', 'String'], ['country', 'String'], ['seats', 'Int64'], ['logins_30d', 'Int64']].map(([k, type]) => `dynamicElement(attributes.${k}, '${type}')`);
  return floor(
    users(['id', 'email', 'name', 'last_activity_at', ...attributes, 'dynamicElement(attributes.interests, \'Array(Nullable(String))\')',
      'dynamicElement(traits.plan, \'String\')', 'dynamicElement(traits.employees, \'Int64\')'].join(', ')),
    events([['api', 'search'], ['api', 'invite_sent'], ['api', 'export_csv'], ['api', 'report_created']]),
    events([['api', 'login'], ['posthog', '$pageview']], 'user_id, timestamp'),
    events([['api', 'purchase']], 'user_id, dynamicElement(properties.amount, \'Float64\')'),
    events([['jimo', 'page_view']], 'user_id, dynamicElement(properties.plan, \'String\')'),
    read('interactions', 'user_id', '(experience = \'tour_1\' AND interaction IN (\'seen\', \'completed\')) OR (experience = \'tour_2\' AND interaction = \'completed\')'),
    read('answers', 'user_id, timestamp, dynamicType(value)', '(experience = \'nps_q1\' AND step = \'score\') OR (experience = \'csat_q2\' AND step = \'rating\')'),
  );
}

/**
 * 1000 behavioural conditions of six kinds under one AND — where-filtered counts, averages, latest
 * answers, not_seen, contains, first times — the largest tree the limits allow, as a dashboard's
 * generated segment could be. The bench times the engine planning it (EXPLAIN): long AND chains
 * plan in quadratic time unless written as disjunctions, and this caught it (50 s for answers).
 */
export function behaviouralThousand(): object {
  const kinds = [
    (i: number) => ev('api', `e${i}`, { where: [{ property: 'p', operator: 'eq', value: i }], operator: 'gte', value: 2 }),
    (i: number) => ev('api', `e${i}`, { measure: { avg: 'n' }, operator: 'gt', value: i }),
    (i: number) => ({ type: 'answer', experience: 'nps_q1', step: `s${i}`, operator: 'gte', value: i }),
    (i: number) => ({ type: 'experience', experience: `x${i}`, interaction: 'not_seen' }),
    (i: number) => attr(`k${i}`, 'contains', String(i)),
    (i: number) => ev('jimo', 'page_view', { measure: 'first_time', operator: 'in_last', value: days(i + 1) }),
  ];
  return { op: 'and', conditions: Array.from({ length: 1000 }, (_, i) => kinds[i % kinds.length]!(i)) };
}

/** Saved segments the suite nests (by name; the bench saves them and rewrites the references to their ids). */
export const NESTED: Record<string, object> = {
  'pro buyers': { op: 'and', conditions: [attr('plan', 'is', 'pro'), ev('api', 'purchase')] },
  'churn risk': { op: 'and', conditions: [ev('api', 'login', { operator: 'eq', value: 0, window: { in_last: days(30) } })] },
};
