import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMigrated, migrate, MIGRATIONS_DIR, readMigrations, splitStatements } from '../../../server/warehouse/migrations.js';
import type { Warehouse } from '../../../server/warehouse/warehouse.js';
import { openTestWarehouse } from '../../support/warehouse.js';

let warehouse: Warehouse;
let dispose: () => Promise<void>;
beforeAll(async () => ({ warehouse, dispose } = await openTestWarehouse()));
afterAll(() => dispose());

describe('schema migrations', () => {
  it('creates every table of the schema', async () => {
    const { rows } = await warehouse.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name`);
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(
      ['answers', 'events', 'imports', 'interactions', 'schema_migrations', 'segment_versions', 'segments', 'users']));
  });

  it('is idempotent: a second and third run apply nothing and record each migration once', async () => {
    const again = await migrate(warehouse);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(readMigrations().map((m) => m.name));
    await migrate(warehouse);
    const { rows } = await warehouse.query<{ version: number; n: number }>(
      'SELECT version, count() AS n FROM schema_migrations GROUP BY version ORDER BY version');
    expect(rows.map((r) => Number(r.n))).toEqual(readMigrations().map(() => 1));
  });

  it('tells by reads alone whether a store is up to date', async () => {
    expect(await isMigrated(warehouse)).toBe(true);
    const next = { version: 9999, name: '9999_next', checksum: '', statements: [] };
    expect(await isMigrated(warehouse, [...readMigrations(), next])).toBe(false);
  });

  it('refuses to start on a migration edited after it was applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const file = join(dir, readMigrations()[0]!.name + '.sql');
    writeFileSync(file, readFileSync(file, 'utf8') + '\n-- edited\n');
    await expect(migrate(warehouse, readMigrations(dir + '/'))).rejects.toThrow(/has since changed/);
  });

  it('splits statements at a semicolon ending a line, ignoring comments', () => {
    expect(splitStatements('-- a; comment;\nCREATE TABLE a (x String) -- trailing\nENGINE = Memory;\n\nSELECT 1;')).toEqual([
      'CREATE TABLE a (x String) -- trailing\nENGINE = Memory',
      'SELECT 1',
    ]);
  });
});
