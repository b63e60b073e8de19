/**
 * Schema migrations: the numbered files of sql/migrations, applied in order at
 * start, each once. Every statement is idempotent (IF NOT EXISTS), so a start
 * interrupted halfway simply applies the rest next time; what was applied is
 * recorded in schema_migrations with a checksum, and an applied file that has
 * since been edited is refused rather than silently diverging.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Warehouse } from './warehouse.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../sql/migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d+_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(dir + file, 'utf8');
      return {
        version: Number(file.split('_')[0]),
        name: file.replace(/\.sql$/, ''),
        checksum: createHash('sha256').update(text).digest('hex'),
        statements: splitStatements(text),
      };
    });
}

/** Statements end with ';' at the end of a line; whole-line comments are dropped. */
export function splitStatements(text: string): string[] {
  const code = text.split('\n').filter((line) => !/^\s*--/.test(line)).join('\n');
  return code.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean);
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version    UInt32,
    name       String,
    checksum   String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY version`;

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
  /** The tables are a cluster's (SPEC §6): its operator applies `segments cluster-ddl`, not these. */
  cluster?: boolean;
}

export async function migrate(warehouse: Warehouse, migrations = readMigrations()): Promise<MigrationReport> {
  if (await clusterLayout(warehouse)) return { applied: [], alreadyApplied: [], cluster: true };
  await warehouse.command(LEDGER);
  const done = await recorded(warehouse);
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    const recorded = done.get(migration.version);
    if (recorded !== undefined) {
      if (recorded !== migration.checksum) {
        throw new Error(`migration ${migration.name} was applied and has since changed; add a new migration instead`);
      }
      report.alreadyApplied.push(migration.name);
      continue;
    }
    for (const statement of migration.statements) await warehouse.command(statement);
    await warehouse.insert({ table: 'schema_migrations', format: 'JSONEachRow', columns: ['version', 'name', 'checksum'] },
      Buffer.from(JSON.stringify({ version: migration.version, name: migration.name, checksum: migration.checksum }) + '\n'));
    report.applied.push(migration.name);
  }
  return report;
}

/**
 * Whether every migration is applied (or the tables are a cluster's), by reads alone: commands that
 * only read a store migrate it only when it needs it, so a read-only user can run them.
 */
export async function isMigrated(warehouse: Warehouse, migrations = readMigrations()): Promise<boolean> {
  if (await clusterLayout(warehouse)) return true;
  const { rows: ledger } = await warehouse.query<{ n: number }>(
    "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'");
  if (Number(ledger[0]?.n ?? 0) === 0) return false;
  const done = await recorded(warehouse);
  return migrations.every((m) => done.has(m.version));
}

/** The migrations the ledger records: version → checksum. */
async function recorded(warehouse: Warehouse): Promise<Map<number, string>> {
  const { rows } = await warehouse.query<{ version: number; checksum: string }>(
    'SELECT version, any(checksum) AS checksum FROM schema_migrations GROUP BY version');
  return new Map(rows.map((r) => [Number(r.version), r.checksum]));
}

/**
 * Whether the database holds a cluster's tables rather than a single node's: `events` is there and
 * is not a MergeTree (on a cluster it is the Distributed table over `events_local`). The single-node
 * migrations would alter it as if it held the rows (projections, materialized columns), which a
 * Distributed table refuses.
 */
async function clusterLayout(warehouse: Warehouse): Promise<boolean> {
  const { rows } = await warehouse.query<{ engine: string }>(
    "SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = 'events'");
  const engine = rows[0]?.engine;
  return engine !== undefined && !engine.endsWith('MergeTree');
}
