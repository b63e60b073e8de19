/**
 * `segments serve`: open the warehouse, apply migrations, load the demo
 * project on an empty store, listen; on SIGINT/SIGTERM stop accepting, finish
 * in-flight requests, then close the warehouse.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { openWarehouse } from './warehouse/index.js';
import { migrate } from './warehouse/migrations.js';
import type { Warehouse } from './warehouse/warehouse.js';
import { DEMO_SIZES, seed } from '../tools/seed.js';

export interface RunningServer {
  app: FastifyInstance;
  warehouse: Warehouse;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, log = console.log): Promise<RunningServer> {
  const warehouse = openWarehouse(config);
  try {
    if ((await migrate(warehouse)).cluster) log('The tables are a cluster\'s: schema changes come from `segments cluster-ddl` (sql/README.md)');
    if (config.demoData && (await isEmpty(warehouse))) {
      const started = Date.now();
      await seed(warehouse, { project: 'demo', ...DEMO_SIZES, seed: 42, anchor: startOfTodayUtc() });
      log(`Loaded the demo dataset into project "demo" in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
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

async function isEmpty(warehouse: Warehouse): Promise<boolean> {
  const { rows } = await warehouse.query<{ n: number }>(
    'SELECT (SELECT count() FROM users) + (SELECT count() FROM events) AS n');
  return Number(rows[0]?.n ?? 0) === 0;
}

export function startOfTodayUtc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
