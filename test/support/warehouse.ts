/**
 * A real embedded warehouse in a fresh temporary directory, migrated. One per
 * test file (chDB binds one data directory per process; vitest runs each file
 * in its own fork).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedWarehouse } from '../../server/warehouse/chdb.js';
import { migrate } from '../../server/warehouse/migrations.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';

export function tempDir(prefix = 'segments-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function openTestWarehouse(dataDir = tempDir(), queryTimeoutMs = 30_000): Promise<{ warehouse: Warehouse; dataDir: string; dispose(): Promise<void> }> {
  const warehouse = new EmbeddedWarehouse({ dataDir, queryTimeoutMs });
  await migrate(warehouse);
  return {
    warehouse,
    dataDir,
    async dispose() {
      await warehouse.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
