/**
 * Deterministic synthetic data, generated inside the engine (INSERT … SELECT
 * over numbers()): no row passes through JavaScript, so a million users and
 * tens of millions of events take seconds, not minutes. The same --seed and
 * --anchor give the same data on any machine.
 *
 * Shapes follow a real product: a few users are very active (events skew to
 * low user numbers), event popularity is Zipf-like, and attributes are sparse
 * with every value type the condition language knows, keys with dots, quotes,
 * spaces, '%' and unicode included.
 */
import { encodeKey } from '../model/keys.js';
import { toWarehouseTime } from '../model/time.js';
import type { Params, Warehouse } from '../server/warehouse/warehouse.js';

export interface SeedOptions {
  project: string;
  users: number;
  events: number;
  interactions: number;
  answers: number;
  seed: number;
  /** The data's "now": every timestamp lies within the two years before it. */
  anchor: Date;
  /** How many days before the anchor events, interactions and answers spread over (default 365). */
  days?: number;
  /** User ids: `short` (u0, u1, …: readable, the demo's) or `uuid` (36-character UUIDs, as most products' ids are). */
  ids?: IdStyle;
  onProgress?: (step: SeedStep, done: number, total: number) => void;
}

export type SeedStep = 'users' | 'events' | 'interactions' | 'answers';
export type IdStyle = 'short' | 'uuid';
export const ID_STYLES: readonly IdStyle[] = ['short', 'uuid'];

const CHUNK = 1_000_000;

/** Event catalog: (source, name), most popular first. */
export const SEED_EVENTS: ReadonlyArray<readonly [string, string]> = [
  ['jimo', 'page_view'], ['api', 'login'], ['segmentio', 'Page Viewed'], ['posthog', '$pageview'],
  ['jimo', 'button_click'], ['api', 'feature_used'], ['segmentio', 'Product Viewed'], ['posthog', '$autocapture'],
  ['api', 'search'], ['jimo', 'form_submit'], ['segmentio', 'Product Added'], ['api', 'purchase'],
  ['posthog', 'dashboard_viewed'], ['jimo', 'tooltip_opened'], ['segmentio', 'Order Completed'], ['api', 'invite_sent'],
  ['api', 'export_csv'], ['posthog', 'insight_created'], ['jimo', 'checklist_item_done'], ['segmentio', 'Signed Up'],
  ['api', 'report_created'], ['api', 'integration_connected'], ['segmentio', 'Subscription Started'], ['posthog', 'feature_flag_called'],
  ['jimo', 'banner_clicked'], ['api', 'api_key_created'], ['segmentio', 'Cart Viewed'], ['api', 'plan_upgraded'],
  ['posthog', 'survey_sent'], ['jimo', 'hint_dismissed'], ['api', 'comment_added'], ['segmentio', 'Coupon Applied'],
  ['api', 'file_uploaded'], ['api', 'team_created'], ['posthog', 'recording_viewed'], ['jimo', 'launcher_opened'],
  ['api', 'password_reset'], ['segmentio', 'Checkout Started'], ['api', 'webhook_failed'], ['api', 'account_deleted'],
];

export const SEED_EXPERIENCES = Array.from({ length: 12 }, (_, i) => `tour_${i + 1}`);

/** (experience, step) pairs of the seeded surveys and the kind of value each takes. */
export const SEED_STEPS = [
  ['nps_q1', 'score', 'nps'],
  ['nps_q1', 'comment', 'text'],
  ['csat_q2', 'rating', 'rating'],
  ['survey_features', 'features', 'multi'],
  ['survey_role', 'role', 'choice'],
] as const;

/** Uniform pseudo-random number in [0, 1), a pure function of (seed, row, salt). */
function rand(salt: number): string {
  return `(cityHash64({seed:UInt64}, number, ${salt}) / 18446744073709551616.0)`;
}

/** An element of a bound array, picked by a pseudo-random number skewed towards the start. */
function pick(array: string, salt: number, skew = 1): string {
  return `${array}[1 + toUInt32(floor(pow(${rand(salt)}, ${skew}) * length(${array})))]`;
}

/** `"key":value` of the attributes JSON text when the attribute is present, else ''. */
function entry(param: string, probability: number, salt: number, valueJson: string): string {
  return `if(${rand(salt)} < ${probability}, concat(toJSONString({${param}:String}), ':', ${valueJson}), '')`;
}

function jsonObject(entries: string[]): string {
  return `CAST(concat('{', arrayStringConcat(arrayFilter(e -> e != '', [${entries.join(',\n      ')}]), ','), '}') AS JSON)`;
}

/** The settings that keep strings strings inside the generated JSON. */
const GENERATION_SETTINGS = 'SETTINGS input_format_try_infer_dates = 0, input_format_try_infer_datetimes = 0';

interface AttributeSpec {
  key: string;
  probability: number;
  /** SQL producing the value's JSON text. */
  json: (salt: number) => string;
}

const str = (values: string) => (salt: number) => `toJSONString(${pick(values, salt, 1.6)})`;
const int = (max: number, skew = 1) => (salt: number) => `toJSONString(toInt64(floor(pow(${rand(salt)}, ${skew}) * ${max})))`;
const float = (max: number) => (salt: number) => `toJSONString(round(${rand(salt)} * ${max}, 2))`;
const bool = (p: number) => (salt: number) => `if(${rand(salt)} < ${p}, 'true', 'false')`;
const list = (values: string) => (salt: number) =>
  `toJSONString(arrayFilter((v, i) -> cityHash64({seed:UInt64}, number, ${salt}, i) % 3 = 0, ${values}, arrayEnumerate(${values})))`;
const day = (spanDays: number) => (salt: number) =>
  `toJSONString(toString(toDate({anchor:DateTime64(3, 'UTC')}) + toInt32(floor((${rand(salt)} - 0.3) * ${spanDays}))))`;
const instant = (spanDays: number) => (salt: number) =>
  `toJSONString(formatDateTime({anchor:DateTime64(3, 'UTC')} - toIntervalSecond(toInt64(floor(${rand(salt)} * ${spanDays} * 86400))), '%Y-%m-%dT%H:%i:%S.000Z', 'UTC'))`;

const PLANS = `['free', 'starter', 'pro', 'enterprise']`;
const COUNTRIES = `['US', 'FR', 'DE', 'GB', 'BR', 'IN', 'JP', 'ES', 'CA', 'AU', 'NL', 'MX']`;
const INTERESTS = `['analytics', 'marketing', 'sales', 'design', 'engineering', 'support', 'finance', 'ops']`;
const FEATURES = `['tours', 'surveys', 'banners', 'checklists', 'hints', 'changelog', 'launcher', 'segments']`;

/** 30+ custom attribute keys of every value type, nasty keys included. */
const ATTRIBUTES: AttributeSpec[] = [
  { key: 'plan', probability: 0.9, json: str(PLANS) },
  { key: 'company', probability: 0.7, json: str(`['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises', 'Wonka']`) },
  { key: 'role', probability: 0.6, json: str(`['admin', 'developer', 'designer', 'pm', 'marketer', 'support', 'founder']`) },
  { key: 'country', probability: 0.85, json: str(COUNTRIES) },
  { key: 'city', probability: 0.5, json: str(`['Paris', 'Berlin', 'London', 'New York', 'São Paulo', 'Tokyo', 'Madrid', 'Toronto']`) },
  { key: 'industry', probability: 0.5, json: str(`['SaaS', 'E-commerce', 'Fintech', 'Healthcare', 'Education', 'Media']`) },
  { key: 'signup_source', probability: 0.6, json: str(`['organic', 'ads', 'referral', 'partner', 'event']`) },
  { key: 'theme', probability: 0.4, json: str(`['light', 'dark', 'system']`) },
  { key: 'timezone', probability: 0.5, json: str(`['Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'UTC']`) },
  { key: 'utm source', probability: 0.3, json: str(`['google', 'newsletter', 'twitter', 'linkedin']`) },
  { key: 'plan.tier', probability: 0.4, json: str(`['gold', 'silver', 'bronze']`) },
  { key: "owner's team", probability: 0.3, json: str(`['core', 'growth', 'platform']`) },
  { key: 'ünïcödé_ключ', probability: 0.2, json: str(`['Ωmega', 'ÉLAN', 'straße', 'İstanbul']`) },
  { key: 'discount%', probability: 0.2, json: str(`['10%', '20%', '50%_off', '100%']`) },
  { key: 'template {id}', probability: 0.1, json: str(`['{a}', '{{b}}', 'c}']`) },
  { key: 'empty_text', probability: 0.3, json: str(`['', '', 'x']`) },
  { key: 'zip', probability: 0.3, json: str(`['00501', '75001', '10115', '02134']`) },
  { key: 'seats', probability: 0.7, json: int(500, 3) },
  { key: 'mrr', probability: 0.6, json: float(5000) },
  { key: 'age', probability: 0.4, json: int(80) },
  { key: 'score', probability: 0.5, json: float(1) },
  { key: 'logins_30d', probability: 0.8, json: int(120, 2.5) },
  { key: 'nps_last', probability: 0.3, json: int(11) },
  { key: 'balance', probability: 0.2, json: (salt) => `toJSONString(round((${rand(salt)} - 0.5) * 1000, 2))` },
  { key: 'is_admin', probability: 0.8, json: bool(0.15) },
  { key: 'beta_user', probability: 0.6, json: bool(0.3) },
  { key: 'trial', probability: 0.7, json: bool(0.25) },
  { key: 'verified', probability: 0.9, json: bool(0.8) },
  { key: 'onboarding_completed', probability: 0.75, json: bool(0.55) },
  { key: 'interests', probability: 0.6, json: list(INTERESTS) },
  { key: 'features_used', probability: 0.7, json: list(FEATURES) },
  { key: 'devices', probability: 0.3, json: (salt) => `toJSONString(if(${rand(salt)} < 0.3, [], ['ios', 'web']))` },
  { key: 'renewal_date', probability: 0.5, json: day(365) },
  { key: 'birthday', probability: 0.2, json: (salt) => `toJSONString(toString(toDate('1950-01-01') + toInt32(floor(${rand(salt)} * 20000))))` },
  { key: 'last_login', probability: 0.7, json: instant(120) },
  { key: 'trial_ends_at', probability: 0.3, json: instant(60) },
  // One key whose type varies by user: typed matching must keep them apart.
  { key: 'mixed', probability: 0.6, json: (salt) => `multiIf(${rand(salt)} < 0.33, toJSONString('42'), ${rand(salt + 1)} < 0.5, '42', 'true')` },
];

const TRAITS: AttributeSpec[] = [
  { key: 'plan', probability: 0.9, json: str(PLANS) },
  { key: 'company_name', probability: 0.7, json: str(`['Acme Inc', 'Globex LLC', 'Initech', 'Hooli']`) },
  { key: 'employees', probability: 0.6, json: int(10000, 3) },
  { key: 'industry', probability: 0.5, json: str(`['SaaS', 'Retail', 'Banking', 'Gaming']`) },
  { key: 'created_at', probability: 0.8, json: instant(700) },
  { key: 'address.city', probability: 0.4, json: str(`['Paris', 'Lyon', 'Austin', 'Denver']`) },
  { key: 'subscribed', probability: 0.7, json: bool(0.6) },
  { key: 'roles', probability: 0.4, json: list(`['owner', 'admin', 'editor', 'viewer']`) },
];

function attributeSql(specs: AttributeSpec[], prefix: string, params: Record<string, string>, salt: number): string {
  return jsonObject(specs.map((spec, i) => {
    const param = `${prefix}${i}`;
    params[param] = encodeKey(spec.key);
    return entry(param, spec.probability, salt + 2 * i, spec.json(salt + 2 * i + 1));
  }));
}

/** The id of user number n: `u<n>`, or a UUID made from it. */
const userId = (n: string) => `if({uuid_ids:Bool}, toString(reinterpretAsUUID(reinterpretAsFixedString(xxh3_128(concat('u', toString(${n})))))), concat('u', toString(${n})))`;

function usersSql(params: Record<string, string>): string {
  const id = userId('number');
  const first = `['Ada', 'Grace', 'Alan', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Élodie', 'Zoë', 'José', 'Søren']`;
  const last = `['Lovelace', 'Hopper', 'Turing', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'O\\'Brien', 'Müller']`;
  const created = `{anchor:DateTime64(3, 'UTC')} - toIntervalSecond(toInt64(floor(${rand(3)} * 730 * 86400)))`;
  return `INSERT INTO users (project, id, name, email, language, created_at, first_seen_at, last_activity_at,
    sessions, tags, has_tags, attributes, traits, version)
  SELECT
    {project:String}, ${id},
    if(${rand(1)} < 0.85, concat(${pick(first, 10)}, ' ', ${pick(last, 11)}), NULL),
    if(${rand(2)} < 0.9, concat(lower(${pick(first, 10)}), '.', toString(number), '@', ${pick(`['example.com', 'acme.io', 'mail.test']`, 12)}), NULL),
    if(${rand(4)} < 0.95, ${pick(`['en', 'fr', 'de', 'es', 'pt', 'ja', 'zh']`, 13, 2)}, NULL),
    ${created},
    if(${rand(5)} < 0.9, ${created} + toIntervalSecond(toInt64(floor(${rand(6)} * 86400))), NULL),
    if(${rand(7)} < 0.92, {anchor:DateTime64(3, 'UTC')} - toIntervalSecond(toInt64(floor(pow(${rand(8)}, 2) * 365 * 86400))), NULL),
    if(${rand(9)} < 0.95, toUInt64(floor(exp(${rand(14)} * 6))), NULL),
    arrayFilter((t, i) -> cityHash64({seed:UInt64}, number, 15, i) % 4 = 0,
      ['beta', 'vip', 'churn-risk', 'enterprise', 'trial', 'newsletter', 'admin', 'partner'], range(1, 9)),
    ${rand(16)} < 0.8,
    ${attributeSql(ATTRIBUTES, 'a', params, 100)},
    if(${rand(17)} < 0.6, ${attributeSql(TRAITS, 't', params, 300)}, CAST('{}' AS JSON)),
    1
  FROM numbers({start:UInt64}, {count:UInt64})
  ${GENERATION_SETTINGS}`;
}

/** A user number skewed towards the most active (low) ones. */
const activeUser = (salt: number) => userId(`toUInt64(floor(pow(${rand(salt)}, 1.6) * {users:UInt64}))`);
/** A timestamp in the `days` before the anchor, recent ones more likely. */
const recent = (salt: number) =>
  `{anchor:DateTime64(3, 'UTC')} - toIntervalMillisecond(toInt64(floor(pow(${rand(salt)}, 1.3) * {days:UInt32} * 86400000)))`;

function eventsSql(params: Record<string, string>): string {
  const index = `toUInt32(1 + floor(pow(${rand(22)}, 2.2) * length({event_names:Array(String)})))`;
  const properties: AttributeSpec[] = [
    { key: 'plan', probability: 0.7, json: str(PLANS) },
    { key: 'amount', probability: 0.3, json: float(500) },
    { key: 'items', probability: 0.3, json: (salt) => `toJSONString(toInt64(1 + floor(${rand(salt)} * 10)))` },
    { key: 'page', probability: 0.5, json: str(`['/home', '/pricing', '/settings', '/billing', '/docs', '/blog']`) },
    { key: 'device', probability: 0.6, json: str(`['web', 'ios', 'android']`) },
    { key: 'success', probability: 0.4, json: bool(0.85) },
    { key: 'product id', probability: 0.2, json: str(`['sku-1', 'sku-2', 'sku-3', 'SKU_%4']`) },
    { key: 'utm.source', probability: 0.15, json: str(`['google', 'newsletter', 'twitter']`) },
    { key: 'categories', probability: 0.15, json: list(INTERESTS) },
    { key: 'duration_ms', probability: 0.3, json: int(60000, 2) },
  ];
  return `INSERT INTO events (project, user_id, source, event, timestamp, properties)
  SELECT {project:String}, ${activeUser(21)},
    {event_sources:Array(String)}[${index}], {event_names:Array(String)}[${index}],
    ${recent(23)},
    ${attributeSql(properties, 'p', params, 500)}
  FROM numbers({start:UInt64}, {count:UInt64})
  ${GENERATION_SETTINGS}`;
}

function interactionsSql(): string {
  return `INSERT INTO interactions (project, user_id, experience, interaction, timestamp)
  SELECT {project:String}, ${activeUser(31)},
    ${pick('{experiences:Array(String)}', 32, 1.8)},
    multiIf(${rand(33)} < 0.6, 'seen', ${rand(34)} < 0.62, 'completed', 'dismissed'),
    ${recent(35)}
  FROM numbers({start:UInt64}, {count:UInt64})`;
}

function answersSql(): string {
  const step = `toUInt32(1 + floor(pow(${rand(42)}, 1.5) * ${SEED_STEPS.length}))`;
  const kind = `{step_kinds:Array(String)}[${step}]`;
  return `INSERT INTO answers (project, user_id, experience, step, value, timestamp)
  SELECT {project:String}, ${activeUser(41)},
    {step_experiences:Array(String)}[${step}], {step_names:Array(String)}[${step}],
    multiIf(
      ${kind} = 'nps', CAST(toInt64(floor(pow(${rand(43)}, 0.6) * 11)) AS Dynamic),
      ${kind} = 'rating', CAST(toInt64(1 + floor(${rand(43)} * 5)) AS Dynamic),
      ${kind} = 'multi', CAST(arrayFilter((f, i) -> cityHash64({seed:UInt64}, number, 44, i) % 3 = 0,
        ['tours', 'surveys', 'banners', 'checklists', 'hints'], range(1, 6)) AS Dynamic),
      ${kind} = 'choice', CAST(${pick(`['Product', 'Engineering', 'Marketing', 'Sales', 'Other']`, 45)} AS Dynamic),
      CAST(${pick(`['Love it!', 'Too slow', 'Needs dark mode', 'Great support', '100% useful', 'meh', '']`, 46)} AS Dynamic)),
    ${recent(47)}
  FROM numbers({start:UInt64}, {count:UInt64})`;
}

export async function seed(warehouse: Warehouse, options: SeedOptions): Promise<void> {
  const base: Params = {
    project: options.project,
    seed: options.seed,
    anchor: toWarehouseTime(options.anchor.getTime()),
    users: Math.max(1, options.users),
    days: options.days ?? 365,
    uuid_ids: options.ids === 'uuid',
  };
  const userParams: Record<string, string> = {};
  const eventParams: Record<string, string> = {};
  const steps: Array<[SeedStep, number, string, Params]> = [
    ['users', options.users, usersSql(userParams), userParams],
    ['events', options.events, eventsSql(eventParams), {
      ...eventParams,
      event_sources: SEED_EVENTS.map(([s]) => s),
      event_names: SEED_EVENTS.map(([, e]) => e),
    }],
    ['interactions', options.interactions, interactionsSql(), { experiences: SEED_EXPERIENCES }],
    ['answers', options.answers, answersSql(), {
      step_experiences: SEED_STEPS.map(([e]) => e),
      step_names: SEED_STEPS.map(([, s]) => s),
      step_kinds: SEED_STEPS.map(([, , k]) => k),
    }],
  ];
  for (const [step, total, sql, params] of steps) {
    options.onProgress?.(step, 0, total);
    for (let start = 0; start < total; start += CHUNK) {
      const count = Math.min(CHUNK, total - start);
      await warehouse.command(sql, { ...base, ...params, start, count });
      options.onProgress?.(step, start + count, total);
    }
  }
}

/** The id `seed` gives user number n. */
export async function seededUserId(warehouse: Warehouse, n: number, ids: IdStyle = 'short'): Promise<string> {
  const { rows } = await warehouse.query<{ id: string }>(`SELECT ${userId('{n:UInt64}')} AS id`, { n, uuid_ids: ids === 'uuid' });
  return rows[0]!.id;
}

/** The small dataset a fresh `npm start` serves in project `demo`. */
export const DEMO_SIZES = { users: 2_000, events: 60_000, interactions: 8_000, answers: 3_000 } as const;
