/**
 * `npx segments …` — the command line of the product (SPEC §5).
 */
import { createReadStream, statSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { forMaintenance, loadConfig, PROJECT_ID } from '../server/config.js';
import { startServer } from '../server/main.js';
import { openWarehouse } from '../server/warehouse/index.js';
import { isMigrated, migrate } from '../server/warehouse/migrations.js';
import { ID_STYLES, seed, type IdStyle, type SeedStep } from '../tools/seed.js';
import { load, LOAD_KINDS, type LoadKind } from '../tools/load.js';
import { parseTimestamp } from '../model/time.js';
import { parseJson } from '../model/json.js';
import { progressBar } from './progress.js';
import { compileAudience, STRATEGIES, type Strategy } from '../compiler/index.js';
import { prettySql } from '../compiler/pretty.js';
import { SegmentStore } from '../server/segments/store.js';
import { readFileSync, writeFileSync } from 'node:fs';

const program = new Command('segments')
  .description('Segments: audience condition trees compiled to ClickHouse SQL')
  .version((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version)
  .showHelpAfterError();

const count = (value: string) => {
  // Digits (with _ between them), not whatever Number() reads: 0x10 is no count anyone meant.
  const n = /^\d+(_\d+)*$/.test(value) ? Number(value.replace(/_/g, '')) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
};
const positive = (value: string) => {
  const n = count(value);
  if (n === 0) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
};
const project = (value: string) => {
  if (!PROJECT_ID.test(value)) throw new InvalidArgumentError('letters, digits, "_" and "-" only');
  return value;
};

program.command('serve')
  .description('serve the HTTP API (PORT, HOST, DATA_DIR, CLICKHOUSE_URL, API_KEYS, DEMO_DATA, QUERY_TIMEOUT_MS)')
  .action(async () => {
    const config = loadConfig();
    const server = await startServer(config);
    // On every address (0.0.0.0, ::) the URL the server gives is one of them, loopback: say both.
    const everywhere = config.host === '0.0.0.0' || config.host === '::';
    console.log(`Segments API on ${server.url}${everywhere ? ` (listening on every address, ${config.host})` : ''}  ·  docs ${server.url}/docs  ·  warehouse: ${server.warehouse.kind === 'embedded' ? `embedded (${config.dataDir})` : config.clickhouse!.url}`);
    // Keys are secrets: only the demo one (API_KEYS unset) is printed.
    if (process.env.API_KEYS?.trim()) console.log(`Projects: ${[...new Set(config.apiKeys.values())].join(', ')} (keys from API_KEYS).`);
    else console.log(`Project demo, key demo. Try: curl -H 'Authorization: Bearer demo' ${server.url}/v1/catalog`);
    const stop = (signal: string) => {
      console.log(`${signal}: finishing in-flight requests…`);
      server.close().then(() => process.exit(0), (error) => {
        console.error(error);
        process.exit(1);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program.command('seed')
  .description('generate deterministic synthetic data inside the engine')
  .addOption(new Option('--project <id>', 'project to fill').default('demo').argParser(project))
  .addOption(new Option('--users <n>', 'users').default(100_000).argParser(count))
  .addOption(new Option('--events <n>', 'events').default(3_000_000).argParser(count))
  .addOption(new Option('--interactions <n>', 'experience interactions (default: users × 3)').argParser(count))
  .addOption(new Option('--answers <n>', 'survey answers (default: users)').argParser(count))
  .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(count))
  .addOption(new Option('--days <n>', 'days before the anchor the activity spreads over').default(365).argParser(count))
  .option('--anchor <date>', 'the data\'s "now" (ISO date or timestamp; default: today 00:00 UTC)')
  .addOption(new Option('--ids <style>', 'user ids: u0, u1, … or UUIDs').choices(ID_STYLES).default('short'))
  .action(async (o: { project: string; users: number; events: number; interactions?: number; answers?: number; seed: number; days: number; anchor?: string; ids: IdStyle }) => {
    const anchorMs = o.anchor === undefined ? undefined : parseTimestamp(o.anchor);
    if (o.anchor !== undefined && anchorMs === undefined) throw new InvalidArgumentError('--anchor: not an ISO date or timestamp');
    const config = loadConfig();
    const warehouse = openWarehouse(forMaintenance(config));
    const bars = new Map<SeedStep, ReturnType<typeof progressBar>>();
    try {
      await migrate(warehouse);
      // Seeding twice would write every event, interaction and answer a second time.
      const { rows: held } = await warehouse.query<{ any: number }>(
        'SELECT (SELECT count() FROM (SELECT 1 FROM users WHERE project = {project:String} LIMIT 1)) + (SELECT count() FROM (SELECT 1 FROM events WHERE project = {project:String} LIMIT 1)) AS any',
        { project: o.project });
      if (held[0]!.any > 0) throw new InvalidArgumentError(`project ${o.project} already holds data: seed another --project, or a fresh DATA_DIR`);
      const started = Date.now();
      await seed(warehouse, {
        project: o.project, users: o.users, events: o.events,
        interactions: o.interactions ?? o.users * 3, answers: o.answers ?? o.users, seed: o.seed, days: o.days, ids: o.ids,
        anchor: anchorMs === undefined ? (await import('../server/main.js')).startOfTodayUtc() : new Date(anchorMs),
        onProgress: (step, done, total) => {
          if (!bars.has(step)) bars.set(step, progressBar(step, 'rows'));
          bars.get(step)!.update(done, total);
          if (done === total) bars.get(step)!.stop();
        },
      });
      console.error(`seeded project ${o.project} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      for (const bar of bars.values()) bar.stop();
      await warehouse.close();
    }
  });

program.command('load')
  .description('bulk-load NDJSON (one object a line, in the HTTP shapes) from a file or - for stdin')
  .addOption(new Option('--project <id>', 'project to load into').makeOptionMandatory().argParser(project))
  .addOption(new Option('--kind <kind>', 'what the lines are').choices(LOAD_KINDS).makeOptionMandatory())
  .argument('<file>', 'NDJSON file, or - for standard input')
  .action(async (file: string, o: { project: string; kind: LoadKind }) => {
    const config = loadConfig();
    // /dev/stdin is not this process's standard input any more: bin/segments.js moved it (see there).
    const stdin = file === '-' || file === '/dev/stdin';
    const stats = stdin ? undefined : statSync(file);
    if (stats?.isDirectory()) throw new Error(`${file} is a directory: give an NDJSON file, or - for standard input`);
    const total = stats?.size ?? 0;
    const warehouse = openWarehouse(forMaintenance(config));
    const bar = progressBar(o.kind, total ? 'bytes' : 'rows');
    try {
      await migrate(warehouse);
      const started = Date.now();
      const { rows } = await load(warehouse, {
        project: o.project, kind: o.kind,
        input: stdin ? standardInput() : createReadStream(file),
        file: stdin ? undefined : file,
        onProgress: ({ rows, bytes }) => (total ? bar.update(bytes, total) : bar.update(rows, rows)),
      });
      bar.stop();
      const seconds = (Date.now() - started) / 1000;
      console.error(`loaded ${rows} ${o.kind} into ${o.project} in ${seconds.toFixed(1)} s (${Math.round(rows / Math.max(seconds, 0.001))}/s)`);
    } finally {
      bar.stop();
      await warehouse.close();
    }
  });

interface TreeOptions {
  project: string;
  now?: string;
  strategy: Strategy;
}

const treeOptions = (command: Command) => command
  .addOption(new Option('--project <id>', 'project the tree is evaluated in').default('demo').argParser(project))
  .option('--now <timestamp>', 'the instant conditions are evaluated at (default: now)')
  .addOption(new Option('--strategy <strategy>', 'plan strategy').choices(STRATEGIES).default('single_pass'));

/** The tree of a file (or - for stdin), compiled; the warehouse is opened only when needed. */
async function compileFile(file: string, o: TreeOptions, kind: 'count' | 'filter', needWarehouse: boolean) {
  const text = file === '-' ? readFileSync(Number(process.env.SEGMENTS_STDIN_FD ?? 0), 'utf8') : readFileSync(file, 'utf8');
  let tree: { conditions?: unknown; now?: unknown };
  try {
    tree = parseJson(text) as typeof tree;
  } catch (error) {
    throw new InvalidArgumentError(`${file}: ${(error as Error).message}`);
  }
  const body = tree && typeof tree === 'object' && 'conditions' in tree && !('op' in tree);
  const conditions = body ? tree.conditions : tree;
  // A request body's own `now` counts, as it would over HTTP, unless --now says otherwise.
  const now = o.now ?? (body && tree.now !== undefined ? String(tree.now) : undefined);
  const nowMs = now === undefined ? Date.now() : parseTimestamp(now);
  if (nowMs === undefined) throw new InvalidArgumentError(`${o.now === undefined ? '"now" of the body' : '--now'}: not an ISO timestamp`);
  const warehouse = needWarehouse || namesSegments(conditions) ? openWarehouse(loadConfig()) : undefined;
  try {
    // A new or older store gets its tables, as `serve`, `seed` and `load` give it, rather than an
    // engine error; a store that is up to date is only read (its user may be read-only).
    if (warehouse && !(await isMigrated(warehouse))) await migrate(warehouse);
    const resolveSegment = warehouse ? await new SegmentStore(warehouse).resolver(o.project) : () => undefined;
    const compiled = compileAudience(conditions, { project: o.project, now: new Date(nowMs), strategy: o.strategy, resolveSegment }, { kind });
    return { compiled, warehouse };
  } catch (error) {
    await warehouse?.close();
    throw error;
  }
}

/** Whether a tree holds a nested-segment condition, whose segment the store must resolve. */
function namesSegments(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(namesSegments);
  if (!node || typeof node !== 'object') return false;
  return (node as { type?: unknown }).type === 'segment' || Object.values(node).some(namesSegments);
}

treeOptions(program.command('compile')
  .description('print the SQL a condition tree compiles to (a tree, or a request body with "conditions")')
  .argument('<tree>', 'JSON file, or - for standard input')
  .option('--params', 'print the parameters too')
  .option('--explain', 'print EXPLAIN indexes = 1 from the warehouse')
  .option('--raw', 'print the exact SQL instead of the pretty one')
  .addOption(new Option('--kind <kind>', 'what the SQL selects').choices(['count', 'filter']).default('count')))
  .action(async (file: string, o: TreeOptions & { params?: boolean; explain?: boolean; raw?: boolean; kind: 'count' | 'filter' }) => {
    const { compiled, warehouse } = await compileFile(file, o, o.kind, Boolean(o.explain));
    try {
      console.log(o.raw ? compiled.sql : prettySql(compiled.sql));
      if (o.params) console.log(`\n-- params\n${JSON.stringify(compiled.params, null, 2)}`);
      if (o.explain && warehouse) {
        const { rows } = await warehouse.query<{ explain: string }>(`EXPLAIN indexes = 1 ${compiled.sql}`, compiled.params);
        console.log(`\n-- EXPLAIN indexes = 1\n${rows.map((r) => r.explain).join('\n')}`);
      }
    } finally {
      await warehouse?.close();
    }
  });

treeOptions(program.command('count')
  .description('count the users a condition tree matches, on the configured warehouse')
  .argument('<tree>', 'JSON file, or - for standard input'))
  .action(async (file: string, o: TreeOptions) => {
    const { compiled, warehouse } = await compileFile(file, o, 'count', true);
    try {
      const started = Date.now();
      const { rows } = await warehouse!.query<{ count: number }>(compiled.sql, compiled.params);
      console.log(Number(rows[0]?.count ?? 0));
      console.error(`${Date.now() - started} ms`);
    } finally {
      await warehouse?.close();
    }
  });

program.command('cluster-ddl')
  .description('print the DDL of a sharded, replicated ClickHouse cluster, generated from sql/migrations (SPEC §6)')
  .requiredOption('--cluster <name>', 'the cluster name of remote_servers')
  .action(async (o: { cluster: string }) => {
    const { clusterDdl } = await import('../tools/cluster-ddl.js');
    process.stdout.write(clusterDdl(o.cluster));
  });

program.command('bench')
  .description('benchmark the suite of segments against floors and the naive strategy (prints a table; --json for the figures)')
  .addOption(new Option('--users <n>', 'users').default(1_000_000).argParser(positive))
  .addOption(new Option('--events <n>', 'events (over 365 days)').default(30_000_000).argParser(positive))
  .addOption(new Option('--runs <n>', 'runs per figure (the median is reported)').default(3).argParser(positive))
  .addOption(new Option('--ingest-events <n>', 'events written for the ingestion figures (default: min(events, 1 000 000))').argParser(count))
  .option('--json <file>', 'also write the report as JSON')
  .option('--data-dir <dir>', 'embedded store of the benchmark dataset (reused when it matches)', './data/bench')
  .addOption(new Option('--ids <style>', 'user ids of the dataset: UUIDs, as most products\' are, or u0, u1, …').choices(ID_STYLES).default('uuid'))
  .action(async (o: { users: number; events: number; runs: number; ingestEvents?: number; json?: string; dataDir: string; ids: IdStyle }) => {
    const { runBench, formatReport } = await import('../bench/run.js');
    const config = loadConfig({ ...process.env, DATA_DIR: process.env.CLICKHOUSE_URL ? process.env.DATA_DIR : o.dataDir, QUERY_TIMEOUT_MS: process.env.QUERY_TIMEOUT_MS ?? '600000' });
    const warehouse = openWarehouse(config);
    try {
      await migrate(warehouse);
      const report = await runBench(warehouse, { users: o.users, events: o.events, runs: o.runs, ingestEvents: o.ingestEvents, ids: o.ids, log: (line) => console.error(line) });
      console.log(formatReport(report));
      if (o.json) writeFileSync(o.json, JSON.stringify(report, null, 2));
    } finally {
      await warehouse.close();
    }
  });

/** stdin, or the descriptor bin/segments.js moved it to (see there why). */
function standardInput() {
  const fd = process.env.SEGMENTS_STDIN_FD;
  return fd === undefined ? process.stdin : createReadStream('', { fd: Number(fd) });
}

program.parseAsync().catch((error: Error) => {
  console.error(`segments: ${error.message}`);
  process.exit(1);
});
