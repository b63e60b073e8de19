/**
 * The demo dataset (SPEC §5, DEMO_DATA): a store with no data at all gets a small generated project
 * `demo` when the server starts. A ledger records that a load began and that it ended. A first
 * start cut short while loading it (Ctrl-C, a crash) leaves part of the demo, which is never
 * deleted to load it again: by the next start anyone may have written to project `demo` (the
 * project of the default key), with `DEMO_DATA` off or through `segments load`, and nothing tells
 * those rows from the demo's. Each start says so instead, and how to start afresh.
 */
import type { Warehouse } from './warehouse/warehouse.js';
import { DEMO_SIZES, seed } from '../tools/seed.js';

export const DEMO_PROJECT = 'demo';

const LEDGER = `CREATE TABLE IF NOT EXISTS demo_dataset
(
    state LowCardinality(String),   -- started | loaded
    at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY at`;

/** What a user can write: a store holding a row of any of these is not empty. */
const DATA_TABLES = ['users', 'events', 'interactions', 'answers', 'segments'] as const;

/**
 * Loads the demo into an empty store: `loaded`; `incomplete` when an earlier load was cut short
 * (the store is left as it is); undefined when the store holds data.
 */
export async function loadDemo(warehouse: Warehouse, anchor: Date): Promise<'loaded' | 'incomplete' | undefined> {
  await warehouse.command(LEDGER);
  // Counted, not ordered by time: a clock set back cannot make an old "started" the last word.
  const { rows } = await warehouse.query<{ started: number; loaded: number }>(
    "SELECT countIf(state = 'started') AS started, countIf(state = 'loaded') AS loaded FROM demo_dataset");
  if (Number(rows[0]?.started ?? 0) > Number(rows[0]?.loaded ?? 0)) return 'incomplete';
  if (!(await isEmpty(warehouse))) return undefined;
  await record(warehouse, 'started');
  await seed(warehouse, { project: DEMO_PROJECT, ...DEMO_SIZES, seed: 42, anchor });
  await record(warehouse, 'loaded');
  return 'loaded';
}

async function record(warehouse: Warehouse, state: 'started' | 'loaded'): Promise<void> {
  await warehouse.insert({ table: 'demo_dataset', format: 'JSONEachRow', columns: ['state'] }, Buffer.from(`${JSON.stringify({ state })}\n`));
}

async function isEmpty(warehouse: Warehouse): Promise<boolean> {
  const any = DATA_TABLES.map((t) => `(SELECT count() FROM (SELECT 1 FROM ${t} LIMIT 1))`).join(' + ');
  const { rows } = await warehouse.query<{ n: number }>(`SELECT ${any} AS n`);
  return Number(rows[0]?.n ?? 0) === 0;
}
