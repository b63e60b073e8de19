import type { Config } from '../config.js';
import { EmbeddedWarehouse } from './chdb.js';
import { ServerWarehouse } from './clickhouse.js';
import type { Warehouse } from './warehouse.js';

export type { Warehouse } from './warehouse.js';

/** The embedded engine by default; a ClickHouse server when CLICKHOUSE_URL is set. */
export function openWarehouse(config: Pick<Config, 'clickhouse' | 'dataDir' | 'queryTimeoutMs'>): Warehouse {
  if (config.clickhouse) return new ServerWarehouse({ ...config.clickhouse, queryTimeoutMs: config.queryTimeoutMs });
  return new EmbeddedWarehouse({ dataDir: config.dataDir, queryTimeoutMs: config.queryTimeoutMs });
}
