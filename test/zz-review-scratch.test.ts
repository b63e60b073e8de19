import { afterAll, beforeAll, it } from 'vitest';
import { compileAudience } from '../compiler/index.js';
import { openTestWarehouse } from './support/warehouse.js';
import { ingest } from './support/ingest.js';
import { evaluate, type Dataset } from './support/evaluator.js';
import type { Warehouse } from '../server/warehouse/warehouse.js';
import { writeFileSync } from 'node:fs';

let warehouse: Warehouse;
let dispose: () => Promise<void>;
const NOW = '2026-03-31T12:00:00.000Z';
const out: string[] = [];
const log = (...a: unknown[]) => out.push(a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' '));

const data: Dataset = {
  users: [
    { id: 'u_lowerI', attributes: { s: 'İstanbul' } },
    { id: 'u_kelvin', attributes: { s: '\u212Aelvin' } },
    { id: 'u_sharp', attributes: { s: 'STRAẞE' } },
    { id: 'u_sigma', attributes: { s: 'ΟΔΟΣ' } },
    { id: 'u_old', attributes: { d: '1850-06-01' } },
    { id: 'u_future', attributes: { d: '2300-06-01' } },
    { id: 'u_far', attributes: { d: '9999-12-31' } },
    { id: 'u_feb30', attributes: { d: '2026-02-30' } },
    { id: 'u_apr31', attributes: { d: '2026-04-31' } },
    { id: 'u_zone5', attributes: { d: '2026-01-01T01:00:00+05' } },
    { id: 'u_frac', attributes: { d: '2026-01-01T23:59:59.9999Z' } },
    { id: 'u_emptyarr', attributes: { l: [] } },
    
    
    { id: 'u_u64', attributes: { n: 1e19 } },
    { id: 'u_caret', attributes: { '^a': 'x', 'a': 'y' } },
    { id: 'u_bt', attributes: { 'x`y': 'bt', ':String': 'colon' } },
    { id: 'u_1968', attributes: { d: '1960-01-01' } },
    { id: 'u_plain' },
    { id: 'u_y50', attributes: { g: '0050-01-01' } },
    { id: 'u_1850', attributes: { g: '1850-06-01' } },
    { id: 'u_sp', attributes: { ' sp ace ': 'v', 'a%': 'pct', '`': 'tick' } },
    { id: 'u_f30', attributes: { e: '2026-02-30T10:00:00Z' } },
    { id: 'u_f29', attributes: { e: '2026-02-29' } },
    { id: 'u_z99', attributes: { e: '2026-01-01T00:00:00+99:99' } },
    { id: 'u_z0530', attributes: { e: '2026-01-01T00:00:00+0530' } },
    { id: 'u_z23', attributes: { e: '2026-01-01T00:00:00+23:59' } },
  ],
  events: [
    { user_id: 'u_plain', source: 'api', event: 'old', timestamp: '1965-01-01T10:00:00.000Z' },
    { user_id: 'u_plain', source: 'api', event: 'old', timestamp: '1966-05-01T10:00:00.000Z' },
  ],
  interactions: [],
  answers: [],
};

beforeAll(async () => {
  ({ warehouse, dispose } = await openTestWarehouse());
  await ingest(warehouse, 'p', { ...data, deleted: [] } as never);
});
afterAll(async () => {
  writeFileSync('/tmp/review/out.txt', out.join('\n') + '\n');
  await dispose?.();
});

async function run(name: string, tree: object, segments: Record<string, object> = {}) {
  let got: string[] | string;
  try {
    const { sql, params } = compileAudience(tree, { project: 'p', now: new Date(NOW), resolveSegment: (id) => segments[id] }, { kind: 'filter' });
    const { rows } = await warehouse.query<{ user_id: string }>(sql, params);
    got = rows.map((r) => r.user_id).sort();
  } catch (e) {
    got = `ERROR ${(e as Error).name}: ${(e as Error).message.slice(0, 200)}`;
  }
  let exp: string[] | string;
  try {
    exp = [...evaluate(tree, data, Date.parse(NOW), segments)].sort();
  } catch (e) {
    exp = `ERROR ${(e as Error).message.slice(0, 200)}`;
  }
  const same = JSON.stringify(got) === JSON.stringify(exp);
  log(same ? 'SAME' : 'DIFF', name, '\n   compiler:', got, '\n   evaluator:', exp);
}

const ca = (key: string, operator: string, value?: unknown) => ({ type: 'custom_attribute', key, operator, ...(value !== undefined ? { value } : {}) });
const and = (...conditions: object[]) => ({ op: 'and', conditions });

it('probes', async () => {
  const { rows } = await warehouse.query(`SELECT version() v`);
  log('version', rows);
  // Unicode case
  await run('contains istanbul', and(ca('s', 'contains', 'istanbul')));
  await run('contains i̇stanbul (JS lower of İ)', and(ca('s', 'contains', 'i\u0307stanbul')));
  await run('contains kelvin', and(ca('s', 'contains', 'kelvin')));
  await run('contains straße', and(ca('s', 'contains', 'straße')));
  await run('ends_with σ', and(ca('s', 'ends_with', 'Σ')));
  // dates out of range / invalid
  await run('before 1900-01-02', and(ca('d', 'before', '1900-01-02')));
  await run('after 2299-01-01', and(ca('d', 'after', '2299-01-01')));
  await run('after 2299-12-31', and(ca('d', 'after', '2299-12-31')));
  await run('is_not_empty d', and(ca('d', 'is_not_empty')));
  await run('on 2026-03-02 (feb30 rollover?)', and(ca('d', 'on', '2026-03-02')));
  await run('on 2026-05-01 (apr31 rollover?)', and(ca('d', 'on', '2026-05-01')));
  await run('between 2025-12-31T20:00Z..20:00Z (zone +05)', and(ca('d', 'between', ['2025-12-31T20:00:00Z', '2025-12-31T20:00:00Z'])));
  await run('on 2026-01-02 (frac .9999)', and(ca('d', 'on', '2026-01-02')));
  await run('after 2026-01-01T23:59:59.999Z (frac)', and(ca('d', 'after', '2026-01-01T23:59:59.999Z')));
  await run('in_last 1000000 days', and(ca('d', 'in_last', { amount: 1000000, unit: 'days' })));
  await run('in_last 50000 days', and(ca('d', 'in_last', { amount: 50000, unit: 'days' })));
  await run('more_than_ago 23500 months', and(ca('d', 'more_than_ago', { amount: 23500, unit: 'months' })));
  // empty arrays
  await run('l is_empty', and(ca('l', 'is_empty')));
  await run('l excludes a', and(ca('l', 'excludes', 'a')));
  // big numbers
  await run('n gt 0', and(ca('n', 'gt', 0)));
  await run('n lt 0', and(ca('n', 'lt', 0)));
  await run('n is_not_empty', and(ca('n', 'is_not_empty')));
  // special keys
  await run('^a is x', and(ca('^a', 'is', 'x')));
  await run('a is y', and(ca('a', 'is', 'y')));
  await run('x`y is bt', and(ca('x`y', 'is', 'bt')));
  await run(':String is colon', and(ca(':String', 'is', 'colon')));
  // distinct days before 1970
  await run('distinct_days pre-1970 eq 2', and({ type: 'event', source: 'api', event: 'old', measure: 'distinct_days', operator: 'eq', value: 2 }));
  // empty nested segments
  const segs = { all: { op: 'and', conditions: [] }, allneg: { op: 'and', negate: true, conditions: [] } };
  await run('e before 2027', and(ca('e', 'before', '2027-01-01')));
  await run('e on 2025-12-31', and(ca('e', 'on', '2025-12-31')));
  await run('e on 2026-01-01', and(ca('e', 'on', '2026-01-01')));
  await run('e on 2025-12-27', and(ca('e', 'on', '2025-12-27')));
  // join_use_nulls = 1
  for (const t of [and({ type: 'experience', experience: 'x', interaction: 'not_seen' }), and({ type: 'event', source: 'api', event: 'old', operator: 'eq', value: 0 }), { op: 'and', negate: true, conditions: [{ type: 'event', source: 'api', event: 'old', measure: { avg: 'a' }, operator: 'gt', value: 1 }, ca('s', 'is_empty')] }]) {
    const { sql, params } = compileAudience(t, { project: 'p', now: new Date(NOW), resolveSegment: () => undefined }, { kind: 'count' });
    const a = await warehouse.query(sql, params);
    const b = await warehouse.query(sql + '\nSETTINGS join_use_nulls = 1', params);
    log('join_use_nulls', JSON.stringify(t).slice(0, 80), 'default:', a.rows, 'with join_use_nulls=1:', b.rows);
  }
  await run('g before 1900-01-01', and(ca('g', 'before', '1900-01-01')));
  await run('g on 1900-01-01', and(ca('g', 'on', '1900-01-01')));
  await run('g more_than_ago 1 days', and(ca('g', 'more_than_ago', { amount: 1, unit: 'days' })));
  await run('key " sp ace "', and(ca(' sp ace ', 'is', 'v')));
  await run('key a%', and(ca('a%', 'is', 'pct')));
  await run('key backtick', and(ca('`', 'is', 'tick')));
  try {
    await ingest(warehouse, 'p', { users: [], events: [], interactions: [], answers: [{ user_id: 'u_plain', experience: 'nps', step: 's', value: 2e19, timestamp: NOW }] } as never);
    const r = await warehouse.query(`SELECT toString(value) v, dynamicType(value) t FROM answers WHERE project = 'p'`);
    log('answer 2e19 stored as', r.rows);
    await run('answer gt 1e19', and({ type: 'answer', experience: 'nps', step: 's', operator: 'gt', value: 1e19 }));
  } catch (e) { log('answer insert error', (e as Error).message.slice(0, 200)); }
  for (const v of [1e16, 9007199254740993, 1e-7, 5e-324, 1.7976931348623157e308, -1e300, 1e21, 0.1])
    await run(`n lt ${v}`, and(ca('n', 'lt', v)));
  await run('sessions gt 1e16', and({ type: 'attribute', attribute: 'sessions', operator: 'gt', value: 1e16 }));
  await run('not_in empty segment', and({ type: 'segment', segment: 'all', operator: 'not_in' }), segs);
  await run('in empty segment OR id is u_plain', { op: 'or', conditions: [{ type: 'segment', segment: 'all', operator: 'in' }, { type: 'attribute', attribute: 'id', operator: 'is', value: 'u_plain' }] }, segs);
  await run('negated empty group OR id is u_plain', { op: 'or', conditions: [{ op: 'and', negate: true, conditions: [] }, { type: 'attribute', attribute: 'id', operator: 'is', value: 'u_plain' }] }, segs);
});
