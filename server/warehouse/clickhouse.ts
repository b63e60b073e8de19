/**
 * A ClickHouse server (or cluster) through @clickhouse/client: the same SQL
 * as the embedded engine, parameters sent as `param_*` in ClickHouse's text
 * format, every query with a query_id, an abort signal and the engine-side
 * max_execution_time.
 */
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { formatQueryParams } from '@clickhouse/client-common';
import { classifyEngineError, WarehouseTimeout, WarehouseUnavailable, type WarehouseError } from './errors.js';
import { CLUSTER_SETTINGS, executionLimit, INSERT_SETTINGS, SESSION_SETTINGS, type InsertData, type InsertRequest, type ParamValue, type Params, type QueryOptions, type QueryResult, type QueryStats, type Warehouse } from './warehouse.js';
import { insertStatement } from './identifiers.js';

export interface ServerOptions {
  url: string;
  user?: string;
  password?: string;
  database?: string;
  queryTimeoutMs: number;
}

export class ServerWarehouse implements Warehouse {
  readonly kind = 'server';
  private readonly client: ClickHouseClient;

  constructor(options: ServerOptions) {
    this.client = createClient({
      url: options.url,
      username: options.user ?? 'default',
      password: options.password ?? '',
      database: options.database ?? 'default',
      request_timeout: options.queryTimeoutMs + 5_000,
      // Every failure reaches the caller as a WarehouseError with a plain message (an unreachable
      // server: "ClickHouse server unreachable"); the driver's own log printed its stack besides.
      log: { level: ClickHouseLogLevel.OFF },
      // The HTTP interface takes every setting as text; the driver's types are stricter than that.
      clickhouse_settings: Object.fromEntries(Object.entries({
        ...SESSION_SETTINGS,
        ...CLUSTER_SETTINGS,
        max_execution_time: executionLimit(options.queryTimeoutMs),
      }).map(([k, v]) => [k, String(v)])) as ClickHouseSettings,
    });
  }

  async query<Row>(sql: string, params: Params = {}, options: QueryOptions = {}): Promise<QueryResult<Row>> {
    return this.run(async () => {
      const result = await this.client.query({
        query: sql,
        format: 'JSONEachRow',
        query_params: encodeQueryParams(params),
        query_id: options.queryId ?? randomUUID(),
        abort_signal: options.signal,
        clickhouse_settings: options.settings,
      });
      const rows = await result.json<Row>();
      return { rows, stats: statsFromSummary(result.response_headers['x-clickhouse-summary']) };
    }, false);
  }

  async *stream<Row>(sql: string, params: Params = {}, options: QueryOptions = {}): AsyncIterable<Row> {
    const result = await this.run(() => this.client.query({
      query: sql,
      format: 'JSONEachRow',
      query_params: encodeQueryParams(params),
      query_id: options.queryId ?? randomUUID(),
      abort_signal: options.signal,
    }), false);
    try {
      for await (const batch of result.stream<Row>()) {
        for (const row of batch) yield row.json();
      }
    } catch (error) {
      throw toWarehouseError(error, false);
    }
  }

  async insert(request: InsertRequest, data: InsertData): Promise<{ rows: number }> {
    const counted = countingStream(data, request.onProgress);
    await this.run(() => this.client.exec({
      query: insertStatement(request.table, request.columns, request.format),
      values: counted.stream,
      clickhouse_settings: INSERT_SETTINGS,
    }).then(async (result) => { result.stream.resume(); }), true);
    return { rows: counted.rows() };
  }

  async command(sql: string, params: Params = {}, options: QueryOptions = {}): Promise<void> {
    await this.run(() => this.client.command({
      query: sql,
      query_params: encodeQueryParams(params),
      query_id: options.queryId ?? randomUUID(),
      abort_signal: options.signal,
    }), false);
  }

  /** A query, not the server's /ping, which answers without checking the user and password. */
  async ping(): Promise<void> {
    try {
      await (await this.client.query({ query: 'SELECT 1', format: 'JSONEachRow' })).json();
    } catch (error) {
      throw new WarehouseUnavailable('ClickHouse server unreachable or refusing this user', undefined, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async run<T>(operation: () => Promise<T>, write: boolean): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toWarehouseError(error, write);
    }
  }
}

/**
 * Parameters as ClickHouse's HTTP interface wants them: each value in the
 * text format of its type (strings escaped, arrays `['a','b']`, NULL `\N`),
 * using the driver's own formatter so nothing is hand-escaped here.
 */
export function encodeQueryParams(params: Params): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    encoded[name] = formatQueryParams({ value: value as ParamValue });
  }
  return encoded;
}

function statsFromSummary(header: string | string[] | undefined): QueryStats {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return { rowsRead: 0, bytesRead: 0, elapsedMs: 0 };
  const summary = JSON.parse(text) as { read_rows?: string; read_bytes?: string; elapsed_ns?: string };
  return {
    rowsRead: Number(summary.read_rows ?? 0),
    bytesRead: Number(summary.read_bytes ?? 0),
    elapsedMs: Number(summary.elapsed_ns ?? 0) / 1e6,
  };
}

/** The insert body as a byte stream, counting rows (newlines) as it passes. */
function countingStream(data: InsertData, onProgress: InsertRequest['onProgress']) {
  let rows = 0;
  let bytes = 0;
  let endsWithNewline = true;
  const source: Iterable<Buffer | string> | AsyncIterable<Buffer | string> = Buffer.isBuffer(data) ? [data] : data;
  async function* counted() {
    for await (const chunk of source) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (buffer.length === 0) continue;
      for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) rows++;
      bytes += buffer.length;
      endsWithNewline = buffer[buffer.length - 1] === 10;
      onProgress?.({ rowsSent: rows, bytesSent: bytes });
      yield buffer;
    }
  }
  return { stream: Readable.from(counted()), rows: () => rows + (endsWithNewline ? 0 : 1) };
}

export function toWarehouseError(error: unknown, write: boolean): WarehouseError {
  const e = error as { code?: string; type?: string; message?: string; name?: string };
  // The engine's own errors carry its numeric code; their messages may quote anything ("abort" in a value).
  const code = e.code && /^\d+$/.test(e.code) ? Number(e.code) : undefined;
  if (code !== undefined) return classifyEngineError(code, e.message ?? String(error), write, error);
  if (e.name === 'AbortError' || /abort/i.test(e.message ?? '')) {
    return new WarehouseTimeout('query cancelled', undefined, { cause: error });
  }
  if (e.code && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EPIPE)$/.test(e.code)) {
    return new WarehouseUnavailable('ClickHouse server unreachable', undefined, { cause: error });
  }
  if (/timeout/i.test(e.message ?? '')) {
    return new WarehouseTimeout('query timed out', undefined, { cause: error });
  }
  return classifyEngineError(undefined, e.message ?? String(error), write, error);
}
