/**
 * What can go wrong in the warehouse, in the product's words. Adapters turn
 * engine and driver failures into these; the HTTP layer maps them to
 * 503 / 504 / 400 without ever showing the engine's message for a 5xx.
 */
export class WarehouseError extends Error {
  constructor(message: string, readonly engineCode?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The engine cannot be reached or is out of resources: 503. */
export class WarehouseUnavailable extends WarehouseError {}

/** The query ran past QUERY_TIMEOUT_MS or was cancelled: 504. */
export class WarehouseTimeout extends WarehouseError {}

/** The engine refused a query as too large to parse or analyse: 422 too_complex. */
export class WarehouseTooComplex extends WarehouseError {}

/** What a client is told of it. */
export const TOO_COMPLEX_FOR_ENGINE = 'the conditions are too large for the engine to read in one query: fewer conditions, filters or values';

/** The engine refused the data of a write (parse error, constraint): the client's fault. */
export class WarehouseRejectedData extends WarehouseError {
  /** `stored`: rows of the same write already on disk (earlier INSERTs of a stream sent in chunks), when known. */
  constructor(readonly reason: string, readonly row?: number, engineCode?: number, options?: { cause?: unknown; stored?: number }) {
    super(rejection(reason, row), engineCode, options);
    this.stored = options?.stored;
  }

  readonly stored?: number;
}

/** A refusal as a client reads it: the row (when the engine names it) and the reason. */
function rejection(reason: string, row: number | undefined): string {
  return row === undefined ? reason : `row ${row}: ${reason}`;
}

/** Anything else: a defect on our side (500, message hidden). */
export class WarehouseFailure extends WarehouseError {}

// ClickHouse error codes (src/Common/ErrorCodes.cpp) grouped by who is at fault.
const TIMEOUT_CODES = new Set([159 /* TIMEOUT_EXCEEDED */, 394 /* QUERY_WAS_CANCELLED */, 209 /* SOCKET_TIMEOUT */]);
const UNAVAILABLE_CODES = new Set([
  210 /* NETWORK_ERROR */, 241 /* MEMORY_LIMIT_EXCEEDED */, 202 /* TOO_MANY_SIMULTANEOUS_QUERIES */,
  252 /* TOO_MANY_PARTS */, 236 /* ABORTED */, 516 /* AUTHENTICATION_FAILED */, 81 /* UNKNOWN_DATABASE */,
]);
const COMPLEXITY_CODES = new Set([167 /* TOO_DEEP_AST */, 168 /* TOO_BIG_AST */, 306 /* TOO_DEEP_RECURSION */, 718 /* TOO_SLOW_PARSING */]);
const DATA_CODES = new Set([
  6 /* CANNOT_PARSE_TEXT */, 25 /* CANNOT_PARSE_ESCAPE_SEQUENCE */, 26 /* CANNOT_PARSE_QUOTED_STRING */, 27 /* CANNOT_PARSE_INPUT_ASSERTION_FAILED */,
  32 /* ATTEMPT_TO_READ_AFTER_EOF */, 38 /* CANNOT_PARSE_DATE */, 41 /* CANNOT_PARSE_DATETIME */, 53 /* TYPE_MISMATCH */,
  62 /* SYNTAX_ERROR (of inline data) */, 69 /* ARGUMENT_OUT_OF_BOUND */, 70 /* CANNOT_CONVERT_TYPE */, 72 /* CANNOT_PARSE_NUMBER */,
  117 /* INCORRECT_DATA */, 130 /* CANNOT_READ_ARRAY_FROM_TEXT */, 131 /* TOO_LARGE_STRING_SIZE */,
  321 /* VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE */, 395 /* FUNCTION_THROW_IF_VALUE_IS_NON_ZERO */, 469 /* VIOLATED_CONSTRAINT */,
  691 /* UNKNOWN_ELEMENT_OF_ENUM */,
]);

/**
 * Classifies an engine error code; `write` says whether bad data can be the cause. The engine
 * numbers a refused row within the INSERT it was given: `rowsBefore` is how many rows earlier
 * INSERTs of the same write took (a stream sent in chunks).
 */
export function classifyEngineError(code: number | undefined, message: string, write: boolean, cause: unknown, rowsBefore?: number): WarehouseError {
  if (code !== undefined && TIMEOUT_CODES.has(code)) return new WarehouseTimeout('query timed out', code, { cause });
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return new WarehouseUnavailable('warehouse unavailable', code, { cause });
  if (code !== undefined && COMPLEXITY_CODES.has(code)) return new WarehouseTooComplex('query too complex for the engine', code, { cause });
  if (write && code !== undefined && DATA_CODES.has(code)) {
    const { row, reason } = readRejection(message);
    return new WarehouseRejectedData(reason, row === undefined ? undefined : (rowsBefore ?? 0) + row, code, { cause, stored: rowsBefore });
  }
  return new WarehouseFailure(message, code, { cause });
}

/** The tables' CHECK constraints (sql/migrations), as the rule of SPEC §2 a refused row broke. */
const CONSTRAINTS: Record<string, string> = {
  id_length: 'id must be 1 to 256 characters',
  user_id_length: 'user_id must be 1 to 256 characters',
  source_known: 'source must be jimo, segmentio, posthog or api',
  event_named: 'event must be 1 to 256 characters',
  experience_named: 'experience must be 1 to 256 characters',
  step_named: 'step must be 1 to 256 characters',
  interaction_known: 'interaction must be seen, completed or dismissed',
  value_typed: 'value must be a string, a finite number or an array of strings',
  timestamp_given: 'timestamp is required',
  properties_flat: 'properties must map keys of 1 to 128 characters to a string, a finite number, a boolean, an array of strings or null',
};

/**
 * The part of an engine's data error a client can act on: which constraint or
 * which row, without table UUIDs, stack traces or SQL.
 */
export function describeRejection(message: string): string {
  const { reason, row } = readRejection(message);
  return rejection(reason, row);
}

function readRejection(message: string): { reason: string; row?: number } {
  const constraint = /Constraint `(\w+)`[^]*?violated at row (\d+)/.exec(message);
  if (constraint) return { reason: CONSTRAINTS[constraint[1]!] ?? `${constraint[1]!.replace(/_/g, ' ')} check failed`, row: Number(constraint[2]) };
  // The embedded engine repeats the prefix when it wraps an error ("…: Code: 117. DB::Exception: …").
  const firstLine = message.split('\n')[0]!.replace(/Code: \d+\. DB::Exception: /g, '');
  const row = /\(at row (\d+)\)/.exec(message);
  const reason = firstLine.replace(/:? \(at row \d+\)[^]*$/, '').replace(/\s*\([A-Z_]+\)\s*$/, '').slice(0, 300);
  return row ? { reason, row: Number(row[1]) } : { reason };
}
