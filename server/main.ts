/**
 * `segments serve`: open the warehouse, apply migrations, load the demo
 * project on an empty store, listen; on SIGINT/SIGTERM stop accepting, finish
 * in-flight requests, then close the warehouse.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { forMaintenance, type Config } from './config.js';
import { loadDemo } from './demo.js';
import { openWarehouse } from './warehouse/index.js';
import { migrate } from './warehouse/migrations.js';
import type { Warehouse } from './warehouse/warehouse.js';

export interface RunningServer {
  app: FastifyInstance;
  warehouse: Warehouse;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, log = console.log): Promise<RunningServer> {
  await prepareStore(config, log);
  const warehouse = openWarehouse(config);
  try {
    const app = await buildApp({ config, warehouse, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
    const url = await app.listen({ port: config.port, host: config.host });
    let closing: Promise<void> | undefined;
    const close = () => (closing ??= app.close().then(() => warehouse.close()));
    return { app, warehouse, url, close };
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}

/**
 * Migrations, then the demo dataset on an empty store: work that is not a request, so it runs
 * without QUERY_TIMEOUT_MS (a tight request limit would otherwise stop the server from starting),
 * on a connection of its own closed before the server's opens.
 */
async function prepareStore(config: Config, log: (line: string) => void): Promise<void> {
  const warehouse = openWarehouse(forMaintenance(config));
  try {
    if ((await migrate(warehouse)).cluster) {
      log('The tables are a cluster\'s: schema changes come from `segments cluster-ddl` (sql/README.md); no demo dataset is loaded there');
      return;
    }
    if (!config.demoData) return;
    const started = Date.now();
    const done = await loadDemo(warehouse, startOfTodayUtc());
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (done === 'loaded') log(`Loaded the demo dataset into project "demo" in ${seconds} s`);
    if (done === 'incomplete') {
      log('The demo dataset of project "demo" is incomplete: a start was cut short while loading it. '
        + 'To start afresh, stop the server and remove DATA_DIR (every project\'s data with it)');
    }
  } finally {
    await warehouse.close();
  }
}

export function startOfTodayUtc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
