/**
 * The demo dataset (SPEC §5, DEMO_DATA): a store with no data at all gets a small generated project
 * `demo` when the server starts. A ledger records that a load began and that it ended, so a first
 * start cut short (Ctrl-C, a failed query) does not leave part of the demo to be served as if it
 * were all of it: the next start clears the project's rows and loads it again. Nothing else
 * writes before the server listens, so what the project holds then is the demo's alone.
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
const DEMO_TABLES = ['users', 'events', 'interactions', 'answers'] as const;

/** Loads the demo into an empty store, or again over a load cut short; what it did, if anything. */
export async function loadDemo(warehouse: Warehouse, anchor: Date): Promise<'loaded' | 'reloaded' | undefined> {
  await warehouse.command(LEDGER);
  const interrupted = (await lastState(warehouse)) === 'started';
  if (interrupted) {
    for (const table of DEMO_TABLES) await warehouse.command(`DELETE FROM ${table} WHERE project = {project:String}`, { project: DEMO_PROJECT });
  } else if (!(await isEmpty(warehouse))) {
    return undefined;
  }
  await record(warehouse, 'started');
  await seed(warehouse, { project: DEMO_PROJECT, ...DEMO_SIZES, seed: 42, anchor });
  await record(warehouse, 'loaded');
  return interrupted ? 'reloaded' : 'loaded';
}

async function lastState(warehouse: Warehouse): Promise<string | undefined> {
  const { rows } = await warehouse.query<{ state: string }>(
    "SELECT state FROM demo_dataset ORDER BY at DESC, state = 'loaded' DESC LIMIT 1");
  return rows[0]?.state;
}

async function record(warehouse: Warehouse, state: 'started' | 'loaded'): Promise<void> {
  await warehouse.insert({ table: 'demo_dataset', format: 'JSONEachRow', columns: ['state'] }, Buffer.from(`${JSON.stringify({ state })}\n`));
}

async function isEmpty(warehouse: Warehouse): Promise<boolean> {
  const any = DATA_TABLES.map((t) => `(SELECT count() FROM (SELECT 1 FROM ${t} LIMIT 1))`).join(' + ');
  const { rows } = await warehouse.query<{ n: number }>(`SELECT ${any} AS n`);
  return Number(rows[0]?.n ?? 0) === 0;
}
