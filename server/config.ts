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
    port: integer(env.PORT, 3000, 'PORT', 0, 65_535),
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.DATA_DIR || './data'),
    clickhouse: env.CLICKHOUSE_URL
      ? { url: env.CLICKHOUSE_URL, user: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD, database: env.CLICKHOUSE_DATABASE }
      : undefined,
    apiKeys: parseApiKeys(env.API_KEYS),
    demoData: flag(env.DEMO_DATA, true, 'DEMO_DATA'),
    // At most a day: a query's deadline is a timer, and Node's timers end at 2^31 ms (24.8 days).
    queryTimeoutMs: integer(env.QUERY_TIMEOUT_MS, 30_000, 'QUERY_TIMEOUT_MS', 1, 86_400_000),
  };
}

/**
 * QUERY_TIMEOUT_MS bounds the queries of requests. Work that is not a request — migrations and the
 * demo dataset at start, `seed`, `load` — runs under this limit instead: a migration rewriting a
 * large table or a bulk load takes minutes, and a tight request limit must not stop it.
 */
export const MAINTENANCE_TIMEOUT_MS = 6 * 3_600_000;

export function forMaintenance<C extends Pick<Config, 'queryTimeoutMs'>>(config: C): C {
  return { ...config, queryTimeoutMs: Math.max(config.queryTimeoutMs, MAINTENANCE_TIMEOUT_MS) };
}

/** `project:key,project:key`; unset → the single project `demo` with key `demo`. */
export function parseApiKeys(text: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  if (!text) return new Map([['demo', 'demo']]);
  // Blanks only is a value someone meant (a template left unfilled), not "unset": serving the
  // demo key on a server meant to be locked down would be the wrong way to read it.
  if (!text.trim()) throw new Error('API_KEYS is blank: give project:key pairs, or leave it unset for the demo project');
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

/** On: 1, true, yes, on; off: 0, false, no, off (any case); anything else is a typo, refused. */
function flag(text: string | undefined, fallback: boolean, name: string): boolean {
  const value = (text ?? '').trim().toLowerCase();
  if (value === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new Error(`${name} must be 1, true, yes or on, or 0, false, no or off, got ${JSON.stringify(text)}`);
}

function integer(text: string | undefined, fallback: number, name: string, least = 0, most = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < least || value > most) {
    throw new Error(`${name} must be an integer from ${least} to ${most}, got ${JSON.stringify(text)}`);
  }
  return value;
}
