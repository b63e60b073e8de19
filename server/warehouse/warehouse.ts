/**
 * The warehouse: the one ClickHouse the product stores and queries, embedded
 * (chDB, in-process) or a server. Both adapters run the same SQL; parameters
 * are always bound server-side as typed `{name:Type}` placeholders.
 */
import type { Readable } from 'node:stream';

/** Values bound to `{name:Type}` placeholders. DateTime64 values are strings `2026-06-15 12:00:00.123`. */
export type ParamValue = string | number | boolean | bigint | null | readonly ParamValue[] | { readonly [key: string]: ParamValue };
export type Params = Readonly<Record<string, ParamValue>>;

export interface QueryStats {
  rowsRead: number;
  bytesRead: number;
  elapsedMs: number;
}

export interface QueryResult<Row> {
  rows: Row[];
  stats: QueryStats;
}

export interface QueryOptions {
  signal?: AbortSignal;
  /** Shown in system.query_log; generated when not given. */
  queryId?: string;
  /** ClickHouse settings for this query only (e.g. max_rows_to_read). */
  settings?: Readonly<Record<string, string | number>>;
}

/** A `SETTINGS …` clause; names and values are ours, and are checked to be plain. */
export function settingsClause(settings: QueryOptions['settings']): string {
  const entries = Object.entries(settings ?? {});
  if (entries.length === 0) return '';
  return `\nSETTINGS ${entries.map(([k, v]) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(k) || !/^[\w.]+$/.test(String(v))) throw new Error(`not a plain setting: ${k}=${v}`);
    return typeof v === 'number' ? `${k} = ${v}` : `${k} = '${v}'`;
  }).join(', ')}`;
}

export type InsertData = Buffer | Readable | AsyncIterable<Buffer | string>;

export interface InsertRequest {
  table: string;
  /** Line-delimited JSON, one object per row, parsed by the engine. */
  format: 'JSONEachRow';
  columns?: readonly string[];
  /** Called as chunks of a streamed body are written. */
  onProgress?: (progress: { rowsSent: number; bytesSent: number }) => void;
}

export interface Warehouse {
  readonly kind: 'embedded' | 'server';
  /** A read: rows as parsed JSON objects (JSONEachRow), plus what the engine read. */
  query<Row = Record<string, unknown>>(sql: string, params?: Params, options?: QueryOptions): Promise<QueryResult<Row>>;
  /** A read whose rows arrive as they are produced. */
  stream<Row = Record<string, unknown>>(sql: string, params?: Params, options?: QueryOptions): AsyncIterable<Row>;
  /** A write parsed by the engine: acknowledged only once durable on disk. */
  insert(request: InsertRequest, data: InsertData): Promise<{ rows: number }>;
  /** A statement without result rows (DDL, mutations). */
  command(sql: string, params?: Params, options?: QueryOptions): Promise<void>;
  /** Resolves when the engine answers; rejects with WarehouseUnavailable otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Settings every insert carries, whichever backend: timestamps are read in
 * ISO 8601 with zones, unknown fields are refused rather than dropped, JSON
 * strings stay strings (no date sniffing: typed matching depends on it) and
 * dots in keys are escaped as the key encoding of model/keys.ts expects.
 */
export const INSERT_SETTINGS = {
  date_time_input_format: 'best_effort',
  input_format_skip_unknown_fields: 0,
  input_format_try_infer_dates: 0,
  input_format_try_infer_datetimes: 0,
  input_format_json_infer_incomplete_types_as_strings: 1,
  // A value of another JSON type is refused, not read as its text ("event": ["e"], "user_id": 5):
  // bulk loads hand lines to this parser as they are, and must refuse what the HTTP API refuses.
  input_format_json_read_arrays_as_strings: 0,
  input_format_json_read_numbers_as_strings: 0,
  input_format_json_read_objects_as_strings: 0,
  input_format_json_read_bools_as_strings: 0,
  json_type_escape_dots_in_keys: 1,
  // Synchronous inserts: acknowledged means on disk (and chDB, reading a piped
  // stdin as external data, refuses the asynchronous path outright) — on a
  // cluster too, where a Distributed table would otherwise queue the rows for
  // background sending, and a user's upsert could read a profile not yet there.
  async_insert: 0,
  distributed_foreground_insert: 1,
} as const satisfies Record<string, string | number>;

/**
 * Settings every session carries: 64-bit numbers come back as JSON numbers,
 * and a LEFT JOIN fills users without rows with 0 (the compiled SQL also
 * guards its counts with ifNull, for engineers who embed it elsewhere).
 */
export const SESSION_SETTINGS = {
  output_format_json_quote_64bit_integers: 0,
  output_format_json_quote_decimals: 0,
  join_use_nulls: 0,
  // Trees may hold 1000 conditions and a segment list many trees: the compiled SQL outgrows the defaults (256 KiB, 50 000 AST nodes).
  max_query_size: 16 * 1024 * 1024,
  max_ast_elements: 2_000_000,
  max_expanded_ast_elements: 2_000_000,
} as const satisfies Record<string, string | number>;

/** QUERY_TIMEOUT_MS as the engine's max_execution_time, which takes fractions of a second. */
export function executionLimit(queryTimeoutMs: number): number {
  return queryTimeoutMs / 1000;
}

/**
 * Settings for a sharded cluster (SPEC §6, sql/README.md): subqueries (IN,
 * JOIN) over co-sharded Distributed tables run on each shard's local tables
 * instead of gathering every shard's rows, and shards holding no row of the
 * project are skipped where the key allows. The server adapter always sends
 * them; over plain tables they change nothing.
 */
export const CLUSTER_SETTINGS = {
  distributed_product_mode: 'local',
  prefer_localhost_replica: 1,
  optimize_skip_unused_shards: 1,
} as const satisfies Record<string, string | number>;
