/**
 * SPEC §6: on a cluster the tables come from `segments cluster-ddl`; the single-node migrations
 * (projections, materialized columns) would fail on its Distributed tables, so they are skipped.
 * No cluster runs here: a Merge table named `events` over `events_local` stands for the
 * Distributed one (neither is a MergeTree, and neither takes those ALTERs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedWarehouse } from '../../../server/warehouse/chdb.js';
import { isMigrated, migrate } from '../../../server/warehouse/migrations.js';
import { tempDir } from '../../support/warehouse.js';

let warehouse: EmbeddedWarehouse;
beforeAll(() => { warehouse = new EmbeddedWarehouse({ dataDir: tempDir(), queryTimeoutMs: 30_000 }); });
afterAll(() => warehouse.close());

describe('migrations on a cluster\'s layout', () => {
  it('leave the tables to the cluster DDL, writing no ledger', async () => {
    await warehouse.command('CREATE TABLE events_local (project String, user_id String) ENGINE = MergeTree ORDER BY (project, user_id)');
    await warehouse.command("CREATE TABLE events AS events_local ENGINE = Merge(currentDatabase(), '^events_local$')");
    expect(await migrate(warehouse)).toEqual({ applied: [], alreadyApplied: [], cluster: true });
    expect(await isMigrated(warehouse)).toBe(true);
    const { rows } = await warehouse.query<{ n: number }>("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name IN ('schema_migrations', 'users')");
    expect(Number(rows[0]!.n)).toBe(0);
  });
});
