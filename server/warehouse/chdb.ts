/**
 * The embedded warehouse: ClickHouse in-process through chDB, data under one
 * directory. chDB binds one data directory per process and serializes the
 * queries of a session; its single-shot queries cannot be interrupted, so the
 * engine's own max_execution_time bounds them and the JS timeout only settles
 * the promise early.
 */
import { Readable } from 'node:stream';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'chdb';
import { classifyEngineError, WarehouseError, WarehouseTimeout, WarehouseUnavailable } from './errors.js';
import { executionLimit, INSERT_SETTINGS, SESSION_SETTINGS, settingsClause, type InsertData, type InsertRequest, type Params, type QueryOptions, type QueryResult, type Warehouse } from './warehouse.js';
import { identifier } from './identifiers.js';
import { parseJsonLines } from './json-lines.js';
import { FairQueue } from './lanes.js';

export interface EmbeddedOptions {
  dataDir: string;
  queryTimeoutMs: number;
}

interface ChdbError extends Error {
  code?: string;
  clickhouseCode?: number;
  /** A streamed insert's progress when it failed: the rows of the chunks already written. */
  progress?: { rowsSent?: number };
}

/** How long after the engine's own time limit a query's promise settles at the latest. */
const SETTLE_MS = 5_000;

export class EmbeddedWarehouse implements Warehouse {
  readonly kind = 'embedded';
  private readonly session: Session;
  private closed = false;
  /**
   * Queries and commands take turns by project (lanes.ts). Inserts go straight to the engine,
   * which queues them itself: a streamed load holds its turn for as long as its input lasts.
   */
  private readonly turns: FairQueue;

  constructor(private readonly options: EmbeddedOptions) {
    this.turns = new FairQueue(options.queryTimeoutMs);
    mkdirSync(options.dataDir, { recursive: true });
    const settings = { ...SESSION_SETTINGS, max_execution_time: executionLimit(options.queryTimeoutMs) };
    // `holder`: the pid of the process known to hold the store (0: one of another pid namespace).
    const held = (cause?: unknown, holder?: number) => new WarehouseUnavailable(`could not open the embedded store in ${options.dataDir}: `
      + `${holder === undefined ? 'another process may hold it' : holder ? `process ${holder} holds it` : 'another process holds it'} `
      + '(a running `segments serve` keeps it: stop it before `load`, `seed` or `count`, or set DATA_DIR to another directory)'
      + `${holder === undefined ? ', or it is not writable' : ''}`, undefined, { cause });
    // The engine, refused the directory's lock, prints its own exception to stderr before it fails.
    const holder = lockHolder(options.dataDir);
    if (holder !== undefined && holder !== process.pid) throw held(undefined, holder);
    try {
      this.session = new Session(options.dataDir, {
        connectionArgs: Object.entries(settings).map(([k, v]) => `--${k}=${v}`),
      });
    } catch (error) {
      // Most often the directory is another process's: the engine locks it for as long as it is open.
      throw held(error);
    }
  }

  async query<Row>(sql: string, params: Params = {}, options: QueryOptions = {}): Promise<QueryResult<Row>> {
    // The engine stops the query at the time its turn has left (it cannot be interrupted once
    // started: a shorter JS timeout alone would answer 504 and leave it running); the promise
    // settles at most 5 s after that.
    const result = await this.inTurn((msLeft) => sql + settingsClause({ ...options.settings, max_execution_time: executionLimit(msLeft) }), params, options);
    return {
      rows: parseJsonLines<Row>(result.text()),
      stats: { rowsRead: result.rowsRead, bytesRead: result.bytesRead, elapsedMs: result.elapsed * 1000 },
    };
  }

  async *stream<Row>(sql: string, params: Params = {}, options: QueryOptions = {}): AsyncIterable<Row> {
    // chDB allows one open stream per session and queues every other query
    // behind it; result sets here are pages, so a buffered read is the fair choice.
    const { rows } = await this.query<Row>(sql, params, options);
    yield* rows;
  }

  async insert(request: InsertRequest, data: InsertData): Promise<{ rows: number }> {
    const base = {
      table: identifier(request.table),
      format: request.format,
      columns: request.columns?.map(identifier),
      settings: INSERT_SETTINGS,
      timeout: this.jsTimeout(),
    };
    if (Buffer.isBuffer(data)) {
      const summary = await this.run(() => this.session.insert({ ...base, values: data }), true);
      return { rows: summary.rowsSent ?? summary.rowsWritten };
    }
    const values = data instanceof Readable ? data : Readable.from(data);
    const summary = await this.run(() => this.session.insert({
      ...base,
      values,
      onProgress: request.onProgress && ((p: { rowsSent: number; bytesSent: number }) => request.onProgress!({ rowsSent: p.rowsSent, bytesSent: p.bytesSent })),
    }), true);
    return { rows: summary.rowsSent };
  }

  async command(sql: string, params: Params = {}, options: QueryOptions = {}): Promise<void> {
    // Statements (migrations, seeding) take no SETTINGS clause of ours: a CREATE TABLE would read it as the table's.
    await this.inTurn(() => sql, params, options);
  }

  /** A statement run at its turn (lanes.ts), its text written knowing the time the turn has left. */
  private inTurn(text: (msLeft: number) => string, params: Params, options: QueryOptions) {
    return this.run(() => this.turns.run((msLeft) =>
      this.session.queryBindAsync(text(msLeft), bindable(params), { format: 'JSONEachRow', signal: options.signal, timeout: msLeft + SETTLE_MS })), false);
  }

  async ping(): Promise<void> {
    if (this.closed || !this.session.open) throw new WarehouseUnavailable('embedded warehouse is closed');
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session.close();
  }

  /** The engine stops the query at max_execution_time; the promise settles shortly after at the latest. */
  private jsTimeout(): number {
    return this.options.queryTimeoutMs + SETTLE_MS;
  }

  private async run<T>(operation: () => Promise<T>, write: boolean): Promise<T> {
    if (this.closed) throw new WarehouseUnavailable('embedded warehouse is closed');
    try {
      return await operation();
    } catch (error) {
      throw toWarehouseError(error as ChdbError, write);
    }
  }
}

/**
 * The process holding the store's lock — the engine's `flock` on `<dir>/status`, read from Linux's
 * /proc/locks by the file's inode; 0 for a process this one's pid namespace cannot see — or
 * undefined: none, or no way to tell (then the engine finds out).
 */
export function lockHolder(dataDir: string): number | undefined {
  try {
    const { ino, dev } = statSync(join(dataDir, 'status'));
    // Linux's dev_t (glibc's major/minor): the major in bits 8–19 and 44 on, the minor in bits 0–7
    // and 20–43 (up to bit 31 here: numbers past it are not seen in practice).
    const major = Math.floor(dev / 2 ** 44) * 4096 + ((dev >>> 8) & 0xfff);
    const minor = (dev & 0xff) | ((dev >>> 12) & 0xfff00);
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      // "1: FLOCK  ADVISORY  WRITE 26840 fe:00:2156893 0 EOF": the pid, then major:minor:inode.
      const lock = /^\d+:\s+FLOCK\s+\S+\s+WRITE\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
      if (lock && parseInt(lock[2]!, 16) === major && parseInt(lock[3]!, 16) === minor && Number(lock[4]) === ino) return Number(lock[1]);
    }
  } catch {
    // No status file (nobody holds the store) or no /proc/locks (not Linux).
  }
  return undefined;
}

/**
 * chDB refuses to bind a JS number that is an integer beyond 2^53 (it cannot
 * tell it exactly); such a value is a double all the same, so it is bound as
 * its text, which ClickHouse parses into the parameter's type.
 */
function bindable(params: Params): Params {
  const unsafe = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v);
  if (!Object.values(params).some(unsafe)) return params;
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, unsafe(v) ? String(v) : v]));
}

function toWarehouseError(error: ChdbError, write: boolean): WarehouseError {
  if (error instanceof WarehouseError) return error;
  if (error.code === 'CHDB_TIMEOUT' || error.code === 'CHDB_ABORT' || error.name === 'AbortError') {
    return new WarehouseTimeout('query timed out or was cancelled', undefined, { cause: error });
  }
  if (error.code === 'CHDB_CONNECTION' || error.code === 'CHDB_CLOSED') return new WarehouseUnavailable('embedded warehouse unavailable', undefined, { cause: error });
  const code = error.clickhouseCode ?? codeFromMessage(error.message);
  // A streamed insert goes in ~8 MiB chunks, each its own INSERT: rows of the chunks before the failing one.
  const rowsBefore = error.progress?.rowsSent ?? 0;
  return classifyEngineError(code, error.message ?? String(error), write, error, rowsBefore);
}

function codeFromMessage(message: string | undefined): number | undefined {
  const match = /Code: (\d+)\./.exec(message ?? '');
  return match ? Number(match[1]) : undefined;
}
