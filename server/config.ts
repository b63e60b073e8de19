/**
 * Configuration from the environment (SPEC §5), checked once at start so a
 * typo fails loudly instead of serving the wrong project.
 */
import { resolve } from 'node:path';

export interface ClickHouseServerConfig {
  url: string;
  user?: string;
  password?: string;
  database?: string;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  clickhouse?: ClickHouseServerConfig;
  /** api key → project */
  apiKeys: ReadonlyMap<string, string>;
  demoData: boolean;
  queryTimeoutMs: number;
}

export const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: integer(env.PORT, 3000, 'PORT'),
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.DATA_DIR || './data'),
    clickhouse: env.CLICKHOUSE_URL
      ? { url: env.CLICKHOUSE_URL, user: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD, database: env.CLICKHOUSE_DATABASE }
      : undefined,
    apiKeys: parseApiKeys(env.API_KEYS),
    demoData: !/^(0|false|no|off)$/i.test((env.DEMO_DATA ?? '1').trim()),
    queryTimeoutMs: integer(env.QUERY_TIMEOUT_MS, 30_000, 'QUERY_TIMEOUT_MS', 1),
  };
}

/** `project:key,project:key`; unset → the single project `demo` with key `demo`. */
export function parseApiKeys(text: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  if (!text || !text.trim()) return new Map([['demo', 'demo']]);
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = entry.indexOf(':');
    const project = entry.slice(0, at);
    const key = entry.slice(at + 1);
    // A key holding ';' is a separator typo ("p1:k1;p2:k2"), and one with a space could never be
    // sent in a Bearer header: neither is a key anyone meant.
    if (at <= 0 || !key || !PROJECT_ID.test(project) || /[;\s]/.test(key)) {
      throw new Error(`API_KEYS: expected project:key,project:key with a project of letters, digits, '_' or '-' and a key without ';' or spaces, got ${JSON.stringify(entry)}`);
    }
    if (keys.has(key)) throw new Error('API_KEYS: the same key is given to two projects');
    keys.set(key, project);
  }
  if (keys.size === 0) throw new Error(`API_KEYS: no project:key in ${JSON.stringify(text)}`);
  return keys;
}

function integer(text: string | undefined, fallback: number, name: string, least = 0): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < least) throw new Error(`${name} must be an integer ≥ ${least}, got ${JSON.stringify(text)}`);
  return value;
}
