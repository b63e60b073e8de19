/**
 * `segments bench`: a deterministic dataset, the suite of bench/suite.ts, and
 * every figure of the benchmark issue, each a ratio measured in the same run
 * or a machine-independent count. Rows and bytes read are the engine's own
 * counters (system.events SelectedRows / SelectedBytes, read around each
 * query: queries of one chDB session run one at a time).
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAudience, compileCounts, compileMembership, prepare, type SegmentResolver } from '../compiler/index.js';
import { compileEventSeries } from '../compiler/analytics.js';
import { inLast } from '../compiler/time.js';
import type { Params, Warehouse } from '../server/warehouse/warehouse.js';
import { SegmentStore } from '../server/segments/store.js';
import { buildApp } from '../server/app.js';
import { load } from '../tools/load.js';
import { seed, seededUserId, type IdStyle } from '../tools/seed.js';
import { toWarehouseTime } from '../model/time.js';
import { batchFloor, behaviouralThousand, NESTED, suite } from './suite.js';

export interface BenchOptions {
  users: number;
  events: number;
  runs: number;
  /** Events written for the ingestion figures. */
  ingestEvents?: number;
  /** User ids of the dataset (default uuid: most products' ids are UUIDs or as long). */
  ids?: IdStyle;
  anchor?: Date;
  log?: (line: string) => void;
}

export interface SegmentFigures {
  name: string;
  count: number;
  ms: number;
  floor_ms: number;
  naive_ms: number;
  naive_count: number;
  rows_read: number;
  bytes_read: number;
  /** The smallest of 256 MiB / 1 GiB / 4 GiB the query ran within (max_memory_usage). */
  memory: string;
  compile_us: number;
}

export interface BenchReport {
  scale: { users: number; events: number; interactions: number; answers: number; ids: IdStyle };
  machine: { cpus: number; node: string; engine: string };
  segments: SegmentFigures[];
  batch_ms: number;
  /** Reading every row and column the batch must touch, each once (suite.ts `batchFloor`). */
  batch_floor_ms: number;
  slowest_ms: number;
  first_page_ms: number;
  deep_page_ms: number;
  membership_ms: number;
  membership_rows_read: number;
  project_event_rows: number;
  load_events_per_s: number;
  clickhouse_insert_events_per_s: number;
  http_events_per_s: number;
  analytics_ms: number;
  compile_1000_ms: number;
  /** EXPLAIN (the engine's analysis and planning, nothing read) of suite.ts `behaviouralThousand`. */
  plan_1000_ms: number;
  geomean_naive_ratio: number;
  targets: Array<{ target: string; value: string; met: boolean }>;
}

const PROJECT = 'bench';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runBench(warehouse: Warehouse, o: BenchOptions): Promise<BenchReport> {
  const log = o.log ?? (() => {});
  const anchor = o.anchor ?? new Date('2026-06-30T00:00:00.000Z');
  const now = anchor;
  const idStyle = o.ids ?? 'uuid';
  const scale = { users: o.users, events: o.events, interactions: o.users * 3, answers: o.users, ids: idStyle };
  await ensureData(warehouse, PROJECT, scale, anchor, log);
  await ensureData(warehouse, `${PROJECT}_small`, {
    users: Math.ceil(o.users / 10), events: Math.ceil(o.events / 10), interactions: Math.ceil(scale.interactions / 10), answers: Math.ceil(o.users / 10), ids: idStyle,
  }, anchor, log);

  const store = new SegmentStore(warehouse);
  const ids = await saveNested(store);
  const resolve: SegmentResolver = await store.resolver(PROJECT);
  const timed = async (sql: string, params: Params) => {
    const started = performance.now();
    const { rows } = await warehouse.query<Record<string, unknown>>(sql, params);
    return { ms: performance.now() - started, rows };
  };
  /**
   * The median time of each query over `runs` rounds, after one warm-up run each. Queries compared
   * (a segment and its floor) are timed in turns, so that a drift of the machine (another process,
   * the page cache) weighs on both sides of their ratio alike.
   */
  type Run = { ms: number; rows: Array<Record<string, unknown>> };
  const inTurns = async (...queries: Array<[string, Params]>): Promise<Run[]> => {
    for (const [sql, params] of queries) await warehouse.query(sql, params);
    const times = queries.map(() => [] as number[]);
    const last: Run[] = [];
    for (let i = 0; i < o.runs; i++) {
      for (const [q, [sql, params]] of queries.entries()) {
        last[q] = await timed(sql, params);
        times[q]!.push(last[q]!.ms);
      }
    }
    return queries.map((_, q) => ({ ms: median(times[q]!), rows: last[q]!.rows }));
  };
  const repeat = async (sql: string, params: Params) => (await inTurns([sql, params]))[0]!;

  // Floors are plain SQL, bound to the project and the anchor as "now".
  const floorParams = { project: PROJECT, now: toWarehouseTime(now.getTime()) };
  const segments: SegmentFigures[] = [];
  const trees = suite().map((s) => withIds(s.conditions, ids));
  const context = { project: PROJECT, now, resolveSegment: resolve };
  // Compile times first, before the queries' results fill the heap: a collection of it landing in
  // the timed rounds once read a 360 µs compile as 990 µs.
  const compileTimes = trees.map((conditions) => microseconds(() => compileAudience(conditions, context, { kind: 'count' })));
  for (const [i, s] of suite().entries()) {
    const conditions = trees[i]!;
    const compile_us = compileTimes[i]!;
    const optimized = compileAudience(conditions, context, { kind: 'count' });
    const naive = compileAudience(conditions, { ...context, strategy: 'naive' }, { kind: 'count' });
    const [fast, floor] = await inTurns([optimized.sql, optimized.params], [s.floor, floorParams]) as [Run, Run];
    const slow = await repeat(naive.sql, naive.params);
    const read = await counters(warehouse, () => warehouse.query(optimized.sql, optimized.params));
    const figures: SegmentFigures = {
      name: s.name, count: Number(fast.rows[0]!.count), ms: round(fast.ms), floor_ms: round(floor.ms),
      naive_ms: round(slow.ms), naive_count: Number(slow.rows[0]!.count), rows_read: read.rows, bytes_read: read.bytes,
      memory: await memoryBound(warehouse, optimized.sql, optimized.params), compile_us: round(compile_us),
    };
    segments.push(figures);
    log(`${figures.name.padEnd(48)} ${String(figures.count).padStart(9)}  ${figures.ms} ms (floor ${figures.floor_ms}, naive ${figures.naive_ms})`);
  }

  const planned = trees.map((t) => prepare(t, resolve));
  const batch = compileCounts(planned, { project: PROJECT, now });
  const [batchRun, batchFloorRun] = await inTurns([batch.sql, batch.params], [batchFloor(), floorParams]) as [Run, Run];
  const batch_ms = round(batchRun.ms);
  const batch_floor_ms = round(batchFloorRun.ms);
  log(`batch of ${trees.length} segments: ${batch_ms} ms (floor ${batch_floor_ms})`);

  // Pages of 50 of the largest segment: page 1, and page 1000 reached by its cursor (keyset, no OFFSET).
  const largest = trees[segments.reduce((best, s, i) => (s.count > segments[best]!.count ? i : best), 0)]!;
  const first = compileAudience(largest, context, { kind: 'users', sort: { by: 'id', order: 'asc' }, limit: 51 });
  const first_page_ms = round((await repeat(first.sql, first.params)).ms);
  const filter = compileAudience(largest, context, { kind: 'filter' });
  const { rows: boundary } = await warehouse.query<{ user_id: string }>(`SELECT user_id FROM (${filter.sql}) ORDER BY user_id LIMIT 1 OFFSET 49949`, filter.params);
  const deep = compileAudience(largest, context, { kind: 'users', sort: { by: 'id', order: 'asc' }, limit: 51, after: { missing: false, value: null, id: boundary[0]?.user_id ?? '' } });
  const deep_page_ms = round((await repeat(deep.sql, deep.params)).ms);
  log(`pages: first ${first_page_ms} ms, 1000th ${deep_page_ms} ms`);

  // One user against every suite segment.
  const membership = compileMembership(planned, await seededUserId(warehouse, 42, idStyle), { project: PROJECT, now });
  const membership_ms = round((await repeat(membership.sql, membership.params)).ms);
  const membershipRead = await counters(warehouse, () => warehouse.query(membership.sql, membership.params));
  const project_event_rows = Number((await warehouse.query<{ n: number }>('SELECT count() AS n FROM events WHERE project = {p:String}', { p: PROJECT })).rows[0]!.n);
  log(`membership: ${membership_ms} ms, ${membershipRead.rows} rows read of ${project_event_rows} events`);

  // Analytics: a 90-day daily series among the largest segment's members.
  const series = compileEventSeries(prepare(largest, resolve), { project: PROJECT, now }, {
    source: 'api', event: 'login', range: inLast({ amount: 90, unit: 'days' }, now.getTime()), interval: 'day',
  });
  const analytics_ms = round((await repeat(series.sql, series.params)).ms);

  const ingestion = await measureIngestion(warehouse, o.ingestEvents ?? Math.min(1_000_000, o.events), log);

  const bigTree = { op: 'or', conditions: Array.from({ length: 1000 }, (_, i) => ({ type: 'custom_attribute', key: `k${i % 37}`, operator: 'is', value: `v${i}` })) };
  const compile_1000_ms = round(microseconds(() => compileAudience(bigTree, context, { kind: 'count' }), 5) / 1000);
  // The engine's own planning of the largest behavioural tree: once (planning warms nothing up).
  const behavioural = compileAudience(behaviouralThousand(), context, { kind: 'count' });
  const plan_1000_ms = round((await timed(`EXPLAIN ${behavioural.sql}`, behavioural.params)).ms);
  log(`planning a 1000-condition behavioural tree: ${plan_1000_ms} ms`);

  const slowest_ms = Math.max(...segments.map((s) => s.ms));
  const geomean_naive_ratio = round(Math.exp(segments.reduce((sum, s) => sum + Math.log(s.naive_ms / Math.max(s.ms, 0.01)), 0) / segments.length));
  const report: Omit<BenchReport, 'targets'> = {
    scale, machine: { cpus: (await import('node:os')).cpus().length, node: process.version, engine: warehouse.kind },
    segments, batch_ms, batch_floor_ms, slowest_ms, first_page_ms, deep_page_ms, membership_ms, membership_rows_read: membershipRead.rows, project_event_rows,
    ...ingestion, analytics_ms, compile_1000_ms, plan_1000_ms, geomean_naive_ratio,
  };
  return { ...report, targets: targets(report) };
}

function targets(r: Omit<BenchReport, 'targets'>): BenchReport['targets'] {
  const worstFloor = Math.max(...r.segments.map((s) => s.ms / Math.max(s.floor_ms, 0.01)));
  const sameCounts = r.segments.every((s) => s.count === s.naive_count);
  return [
    { target: 'counts identical to the naive strategy', value: sameCounts ? 'all equal' : 'DIFFER', met: sameCounts },
    { target: 'every segment ≤ 2× its floor', value: `worst ${round(worstFloor)}×`, met: worstFloor <= 2 },
    { target: 'geomean naive / optimized ≥ 3', value: `${r.geomean_naive_ratio}`, met: r.geomean_naive_ratio >= 3 },
    { target: 'batch ≤ 3× the slowest single segment', value: `${round(r.batch_ms / r.slowest_ms)}× (its floor alone: ${round(r.batch_floor_ms / r.slowest_ms)}×)`, met: r.batch_ms <= 3 * r.slowest_ms },
    { target: 'deep page ≤ 1.5× first page', value: `${round(r.deep_page_ms / r.first_page_ms)}×`, met: r.deep_page_ms <= 1.5 * r.first_page_ms },
    { target: 'membership reads ≤ 1 % of the project\'s events', value: `${round((100 * r.membership_rows_read) / r.project_event_rows)} %`, met: r.membership_rows_read <= r.project_event_rows / 100 },
    { target: 'compile ≤ 1 ms for suite trees', value: `max ${Math.max(...r.segments.map((s) => s.compile_us))} µs`, met: r.segments.every((s) => s.compile_us <= 1000) },
    { target: 'compile ≤ 20 ms for a 1000-condition tree', value: `${r.compile_1000_ms} ms`, met: r.compile_1000_ms <= 20 },
    { target: 'peak query memory ≤ 1 GiB', value: [...new Set(r.segments.map((s) => s.memory))].join(', '), met: r.segments.every((s) => s.memory !== '> 4 GiB' && s.memory !== '≤ 4 GiB') },
    { target: 'bulk load ≥ 0.5× ClickHouse INSERT FORMAT JSONEachRow', value: `${round(r.load_events_per_s / r.clickhouse_insert_events_per_s)}×`, met: r.load_events_per_s >= 0.5 * r.clickhouse_insert_events_per_s },
  ];
}

async function ensureData(warehouse: Warehouse, project: string, sizes: { users: number; events: number; interactions: number; answers: number; ids: IdStyle }, anchor: Date, log: (l: string) => void) {
  const { rows } = await warehouse.query<{ users: number; events: number; uuids: number }>(
    `SELECT (SELECT count() FROM users WHERE project = {p:String}) AS users, (SELECT count() FROM events WHERE project = {p:String}) AS events,
      (SELECT countIf(length(id) = 36) FROM (SELECT id FROM users WHERE project = {p:String} LIMIT 1)) AS uuids`, { p: project });
  const ids: IdStyle = Number(rows[0]!.uuids) > 0 ? 'uuid' : 'short';
  if (Number(rows[0]!.users) === sizes.users && Number(rows[0]!.events) === sizes.events && ids === sizes.ids) {
    log(`reusing ${project}: ${sizes.users} users, ${sizes.events} events`);
    await settle(warehouse, log);
    return;
  }
  for (const table of ['users', 'events', 'interactions', 'answers', 'segments', 'segment_versions']) {
    await warehouse.command(`DELETE FROM ${table} WHERE project = {p:String}`, { p: project });
  }
  log(`seeding ${project}: ${sizes.users} users, ${sizes.events} events, ${sizes.ids} ids …`);
  const started = Date.now();
  await seed(warehouse, { project, ...sizes, seed: 7, anchor, onProgress: (step, done, total) => done === total && log(`  ${step}: ${total}`) });
  // Measure a settled warehouse: merge what the bulk seeding left in many parts now, rather than
  // let background merges compete with the queries being timed.
  for (const table of ['users', 'events', 'interactions', 'answers']) await warehouse.command(`OPTIMIZE TABLE ${table} FINAL`);
  log(`seeded ${project} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Waits (up to 5 minutes) for background merges to finish, so they do not compete with timed queries. */
async function settle(warehouse: Warehouse, log: (l: string) => void) {
  for (let i = 0; i < 300; i++) {
    const { rows } = await warehouse.query<{ n: number }>('SELECT count() AS n FROM system.merges');
    if (Number(rows[0]!.n) === 0) return;
    if (i === 0) log('waiting for background merges …');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Saves the segments the suite nests (once) and returns name → id. */
async function saveNested(store: SegmentStore): Promise<Record<string, string>> {
  const existing = await store.list(PROJECT);
  const ids: Record<string, string> = {};
  for (const [name, conditions] of Object.entries(NESTED)) {
    ids[name] = existing.find((s) => s.name === name)?.id ?? (await store.create(PROJECT, { name, conditions })).id;
  }
  return ids;
}

function withIds(tree: object, ids: Record<string, string>): object {
  return JSON.parse(JSON.stringify(tree), (key, value) => (key === 'segment' && ids[value] ? ids[value] : value));
}

/** Rows and bytes the engine read for one operation (SelectedRows / SelectedBytes around it). */
async function counters(warehouse: Warehouse, operation: () => Promise<unknown>): Promise<{ rows: number; bytes: number }> {
  const read = async () => Object.fromEntries((await warehouse.query<{ event: string; value: number }>(
    "SELECT event, value FROM system.events WHERE event IN ('SelectedRows', 'SelectedBytes')")).rows.map((r) => [r.event, Number(r.value)]));
  const before = await read();
  await operation();
  const after = await read();
  return { rows: (after.SelectedRows ?? 0) - (before.SelectedRows ?? 0), bytes: (after.SelectedBytes ?? 0) - (before.SelectedBytes ?? 0) };
}

async function memoryBound(warehouse: Warehouse, sql: string, params: Params): Promise<string> {
  for (const [label, bytes] of [['≤ 256 MiB', 256 * 2 ** 20], ['≤ 1 GiB', 2 ** 30], ['≤ 4 GiB', 4 * 2 ** 30]] as const) {
    try {
      await warehouse.query(sql, params, { settings: { max_memory_usage: bytes } });
      return label;
    } catch {
      // over this limit: try the next
    }
  }
  return '> 4 GiB';
}

async function measureIngestion(warehouse: Warehouse, n: number, log: (l: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'segments-bench-'));
  const file = join(dir, 'events.ndjson');
  const out = createWriteStream(file);
  const sources = ['jimo', 'segmentio', 'posthog', 'api'];
  for (let i = 0; i < n; i++) {
    const line = `{"user_id":"u${i % 100_000}","source":"${sources[i % 4]}","event":"e${i % 50}","timestamp":"2026-06-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.000Z","properties":{"plan":"pro","amount":${i % 1000},"a.b":${i % 7}}}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  try {
    await warehouse.command('DELETE FROM events WHERE project = {p:String}', { p: 'bench_load' });
    let started = performance.now();
    await load(warehouse, { project: 'bench_load', kind: 'events', input: createReadStream(file) });
    const load_events_per_s = Math.round(n / ((performance.now() - started) / 1000));

    await warehouse.command(`CREATE TABLE IF NOT EXISTS bench_raw_events
      (user_id String, source LowCardinality(String), event LowCardinality(String), timestamp DateTime64(3, 'UTC'), properties JSON)
      ENGINE = MergeTree ORDER BY (source, event, user_id, timestamp)`);
    await warehouse.command('TRUNCATE TABLE bench_raw_events');
    started = performance.now();
    await warehouse.insert({ table: 'bench_raw_events', format: 'JSONEachRow' }, createReadStream(file));
    const clickhouse_insert_events_per_s = Math.round(n / ((performance.now() - started) / 1000));
    await warehouse.command('DROP TABLE bench_raw_events');

    const http_events_per_s = await measureHttp(warehouse, Math.min(n, 200_000));
    log(`ingestion: load ${load_events_per_s}/s, ClickHouse INSERT ${clickhouse_insert_events_per_s}/s, HTTP ${http_events_per_s}/s`);
    await warehouse.command('DELETE FROM events WHERE project = {p:String}', { p: 'bench_load' });
    return { load_events_per_s, clickhouse_insert_events_per_s, http_events_per_s };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** POST /v1/events over real HTTP (loopback), 10 000 events a batch. */
async function measureHttp(warehouse: Warehouse, n: number): Promise<number> {
  const app = await buildApp({ config: { apiKeys: new Map([['bench-key', 'bench_load']]) }, warehouse });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const batch = (b: number) => JSON.stringify({
      events: Array.from({ length: 10_000 }, (_, i) => ({ user_id: `h${(b * 10_000 + i) % 50_000}`, source: 'api', event: 'http', timestamp: '2026-06-01T00:00:00.000Z', properties: { i } })),
    });
    const bodies = Array.from({ length: Math.ceil(n / 10_000) }, (_, b) => batch(b));
    const started = performance.now();
    for (const body of bodies) {
      const response = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: 'Bearer bench-key', 'content-type': 'application/json' }, body });
      if (!response.ok) throw new Error(`HTTP ingestion failed: ${response.status} ${await response.text()}`);
    }
    return Math.round((bodies.length * 10_000) / ((performance.now() - started) / 1000));
  } finally {
    await app.close();
  }
}

/** Steady-state time of fn, as in a server that compiles all day: warmed up, then the median of 15 rounds (a garbage collection lands in one or two of them). */
function microseconds(fn: () => unknown, iterations = 20): number {
  for (let i = 0; i < iterations; i++) fn();
  const rounds: number[] = [];
  for (let round = 0; round < 15; round++) {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    rounds.push(((performance.now() - started) * 1000) / iterations);
  }
  return median(rounds);
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The report as the table `segments bench` prints. */
export function formatReport(r: BenchReport): string {
  const lines = [
    `Scale: ${r.scale.users} users (${r.scale.ids} ids), ${r.scale.events} events, ${r.scale.interactions} interactions, ${r.scale.answers} answers · ${r.machine.cpus} cores · ${r.machine.engine} · ${r.machine.node}`,
    '',
    `| segment | count | ms | floor ms | naive ms | naive count | rows read | bytes read | memory | compile µs |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---|---:|`,
    ...r.segments.map((s) => `| ${s.name} | ${s.count} | ${s.ms} | ${s.floor_ms} | ${s.naive_ms} | ${s.naive_count} | ${s.rows_read} | ${s.bytes_read} | ${s.memory} | ${s.compile_us} |`),
    '',
    `| figure | value |`,
    `|---|---:|`,
    `| batch_ms (all ${r.segments.length} segments, one query) | ${r.batch_ms} |`,
    `| batch floor ms (every row and column the batch must touch, read once) | ${r.batch_floor_ms} |`,
    `| slowest single segment ms | ${r.slowest_ms} |`,
    `| first_page_ms / deep_page_ms (page 1 / page 1000 of 50) | ${r.first_page_ms} / ${r.deep_page_ms} |`,
    `| membership_ms (one user, all suite segments) | ${r.membership_ms} |`,
    `| membership rows read / project events | ${r.membership_rows_read} / ${r.project_event_rows} |`,
    `| bulk load events/s (segments load) | ${r.load_events_per_s} |`,
    `| ClickHouse INSERT FORMAT JSONEachRow events/s (same file) | ${r.clickhouse_insert_events_per_s} |`,
    `| HTTP /v1/events events/s (10 000-event batches) | ${r.http_events_per_s} |`,
    `| analytics_ms (90-day daily series, largest segment) | ${r.analytics_ms} |`,
    `| compile ms, 1000-condition tree | ${r.compile_1000_ms} |`,
    `| engine planning ms, 1000 behavioural conditions under one AND (EXPLAIN) | ${r.plan_1000_ms} |`,
    `| geomean naive / optimized | ${r.geomean_naive_ratio} |`,
    '',
    `| target | measured | met |`,
    `|---|---|---|`,
    ...r.targets.map((t) => `| ${t.target} | ${t.value} | ${t.met ? 'yes' : 'NO'} |`),
  ];
  return lines.join('\n');
}
