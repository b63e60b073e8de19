/**
 * The same ingestion behaviour suite on a ClickHouse server: the one named by
 * CLICKHOUSE_URL (a fresh database is made and dropped), or one started with
 * testcontainers when Docker is available. Neither here → skipped, said plainly.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';
import { ServerWarehouse } from '../../server/warehouse/clickhouse.js';
import { migrate } from '../../server/warehouse/migrations.js';
import { behavesLikeIngestion } from './ingestion.behaviour.js';

const IMAGE = 'clickhouse/clickhouse-server:25.8';

function dockerAvailable(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

const url = process.env.CLICKHOUSE_URL;
const docker = !url && dockerAvailable();

if (!url && !docker) {
  console.log('SKIPPED: ClickHouse server suite — set CLICKHOUSE_URL or make Docker available to run it.');
  describe.skip('ingestion on a ClickHouse server (skipped: no CLICKHOUSE_URL and no Docker)', () => {
    it('needs a ClickHouse server', () => {});
  });
} else {
  describe(`ingestion on a ClickHouse server (${url ? 'CLICKHOUSE_URL' : `testcontainers ${IMAGE}`})`, () => {
    behavesLikeIngestion(async () => {
      let server = url ? { url, user: process.env.CLICKHOUSE_USER, password: process.env.CLICKHOUSE_PASSWORD } : undefined;
      let stopContainer = async () => {};
      if (!server) {
        const { ClickHouseContainer } = await import('@testcontainers/clickhouse');
        const container = await new ClickHouseContainer(IMAGE).start();
        server = { url: container.getHttpUrl(), user: container.getUsername(), password: container.getPassword() };
        stopContainer = async () => void (await container.stop());
      }
      const database = `segments_test_${randomUUID().replace(/-/g, '')}`;
      const admin = new ServerWarehouse({ ...server, queryTimeoutMs: 30_000 });
      await admin.command(`CREATE DATABASE ${database}`);
      const warehouse = new ServerWarehouse({ ...server, database, queryTimeoutMs: 30_000 });
      await migrate(warehouse);
      return {
        warehouse,
        async dispose() {
          await warehouse.close();
          await admin.command(`DROP DATABASE IF EXISTS ${database}`);
          await admin.close();
          await stopContainer();
        },
      };
    });
  });
}
