/** SPEC §6: the cluster DDL generated from the single-node migrations. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterDdl, CLUSTER_SETTINGS } from '../../tools/cluster-ddl.js';
import { splitStatements } from '../../server/warehouse/migrations.js';
import { EmbeddedWarehouse } from '../../server/warehouse/chdb.js';
import { tempDir } from '../support/warehouse.js';

const ddl = clusterDdl('main');
const statements = splitStatements(ddl);

describe('cluster DDL', () => {
  it('replicates every table locally and shards it through a Distributed table of the same name', () => {
    for (const table of ['users', 'events', 'interactions', 'answers', 'segments', 'segment_versions', 'imports']) {
      expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS ${table}_local ON CLUSTER 'main'`);
      expect(ddl).toMatch(new RegExp(`CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER 'main' AS ${table}_local\\nENGINE = Distributed\\('main', currentDatabase\\(\\), ${table}_local, `));
    }
    expect(ddl).toContain("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/users', '{replica}', version, is_deleted)");
  });

  it('shards every per-user table by (project, user id), so a user\'s rows share a shard', () => {
    expect(ddl).toContain('users_local, cityHash64(project, id))');
    for (const table of ['events', 'interactions', 'answers']) expect(ddl).toContain(`${table}_local, cityHash64(project, user_id))`);
  });

  it('points materialized views and projections at the local tables, and leaves out single-node backfills', () => {
    expect(ddl).toContain('TO catalog_keys_local AS');
    expect(ddl).toContain('FROM users_local WHERE is_deleted = 0');
    expect(ddl).toContain("ALTER TABLE events_local ON CLUSTER 'main' ADD PROJECTION IF NOT EXISTS by_user");
    expect(statements.some((s) => s.startsWith('INSERT'))).toBe(false);
    expect(ddl).toContain("distributed_product_mode = 'local'");
    expect(CLUSTER_SETTINGS.distributed_product_mode).toBe('local');
  });

  it('adds a new column to the Distributed table as well as to the local one', () => {
    expect(ddl).toContain("ALTER TABLE events_local ON CLUSTER 'main' ADD COLUMN IF NOT EXISTS user_key");
    expect(ddl).toContain("ALTER TABLE events ON CLUSTER 'main' ADD COLUMN IF NOT EXISTS user_key");
  });

  it('changes a constraint on the local table, and creates the Distributed table again to copy it', () => {
    const change = statements.findIndex((s) => s.startsWith("ALTER TABLE users_local ON CLUSTER 'main' DROP CONSTRAINT IF EXISTS id_length"));
    expect(change).toBeGreaterThan(-1);
    expect(statements[change]).toContain('lengthUTF8(id)');
    expect(statements[change + 1]).toBe("CREATE OR REPLACE TABLE users ON CLUSTER 'main' AS users_local\nENGINE = Distributed('main', currentDatabase(), users_local, cityHash64(project, id))");
    // Once per table and migration, after its last constraint change: in 0006 answers has three.
    const migration = splitStatements(ddl.slice(ddl.indexOf('\n-- 0006_'), ddl.indexOf('\n-- 0007_')));
    const answers = migration.filter((s) => s.startsWith('CREATE OR REPLACE TABLE answers '));
    expect(answers).toHaveLength(1);
    const changes = migration.flatMap((s, i) => (s.startsWith("ALTER TABLE answers_local ON CLUSTER 'main' DROP CONSTRAINT") ? [i] : []));
    expect(changes).toHaveLength(3);
    expect(migration.indexOf(answers[0]!)).toBeGreaterThan(Math.max(...changes));
  });

  describe('the local tables, made single-node again, on the real engine', () => {
    let warehouse: EmbeddedWarehouse;
    beforeAll(() => { warehouse = new EmbeddedWarehouse({ dataDir: tempDir(), queryTimeoutMs: 30_000 }); });
    afterAll(() => warehouse.close());

    it('are valid ClickHouse DDL', async () => {
      const local = statements
        .filter((s) => !/ENGINE = Distributed/.test(s) && !/^ALTER TABLE \w+(?<!_local) ON CLUSTER/.test(s))
        .map((s) => s.replace(/ ON CLUSTER 'main'/g, '').replace(/Replicated(\w+)\('[^']*', '\{replica\}'(?:, )?([^)]*)\)/, (_, engine: string, args: string) => `${engine}${args ? `(${args})` : ''}`));
      for (const statement of local) await warehouse.command(statement);
      const { rows } = await warehouse.query<{ name: string }>("SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '%_local' ORDER BY name");
      expect(rows.map((r) => r.name)).toContain('events_local');
    });
  });
});
