/**
 * Bulk NDJSON load (`segments load`): one object a line in the HTTP shapes.
 * Events, interactions and answers are parsed by the engine: a line passes
 * through here as bytes, only gaining the project (`{"project":…,` spliced
 * before the first field), so no JavaScript object is made per row — when one
 * pass over its bytes (`scanLine`) finds nothing the engine would read
 * otherwise than the API. Any other line, and one whose keys need the encoding
 * ClickHouse cannot do (model/keys.ts) or that holds an integer past 64 bits,
 * is read here with the API's own checks and written again as the API writes
 * a row. Users go through the same checks and merge as POST /v1/users, in
 * batches of 10 000.
 */
import { createReadStream, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { ValidateFunction } from 'ajv';
import { mayHoldSurrogates, parseJson } from '../model/json.js';
import { decodeKey, encodeKeys } from '../model/keys.js';
import { stringifyRow } from '../server/ingest/rows.js';
import { isCanonicalTimestamp, isTimestamp } from '../model/time.js';
import { MAX_BATCH, answer as answerSchema, event as eventSchema, interaction as interactionSchema, user as userSchema, type UserWrite } from '../model/schemas.js';
import { WarehouseRejectedData } from '../server/warehouse/errors.js';
import type { Warehouse } from '../server/warehouse/warehouse.js';
import { UserStore } from '../server/ingest/users.js';
import { strictValidator, validationError } from '../server/validation.js';

export type LoadKind = 'users' | 'events' | 'interactions' | 'answers';
export const LOAD_KINDS: readonly LoadKind[] = ['users', 'events', 'interactions', 'answers'];

export interface LoadOptions {
  project: string;
  kind: LoadKind;
  input: Readable;
  onProgress?: (progress: { rows: number; bytes: number }) => void;
  /** The file the input is read from, if it is one: a line the engine refuses is read from it again for the API's reason. */
  file?: string;
}

export class LoadError extends Error {}

export async function load(warehouse: Warehouse, options: LoadOptions): Promise<{ rows: number }> {
  if (options.kind === 'users') return loadUsers(new UserStore(warehouse), options);
  const lines = new ProjectLines(options.project, options.kind);
  options.input.on('error', (e) => lines.destroy(e));
  const body = options.input.pipe(lines);
  try {
    return await warehouse.insert({
      table: options.kind,
      format: 'JSONEachRow',
      onProgress: options.onProgress && ((p) => options.onProgress!({ rows: p.rowsSent, bytes: lines.bytesIn })),
    }, body);
  } catch (error) {
    // Rows written before the failure stay: say how many and where to resume, as loading the
    // whole file again would add them a second time. The embedded engine takes the stream in
    // chunks, each its own INSERT, and counts them; a server writes blocks as it reads, uncounted.
    const note = resumeNote(warehouse.kind === 'server' ? undefined : storedRows(error), 'rows', (n) => lines.lineOf(n));
    // The engine numbers the rows it was given; the user knows the file's lines (blank ones included).
    if (error instanceof WarehouseRejectedData && error.row !== undefined) {
      const line = lines.lineOf(error.row);
      const reason = (await apiReason(options, line)) ?? `line ${line}: ${engineReason(error.reason)}`;
      throw new LoadError(`${reason}${note}`, { cause: error });
    }
    // A line refused here, on its way in: the driver reports it as its stream's failure.
    const own = ownRefusal(error);
    if (own) throw new LoadError(`${own.message}${note}`, { cause: error });
    throw error;
  }
}

/** What a failed load had written, and where to resume: loading the whole file again would add those rows twice. */
function resumeNote(stored: number | undefined, noun: string, lineOf: (row: number) => number): string {
  if (stored === undefined) return ' (rows before it may already be loaded: check before loading the file again)';
  return stored > 0 ? ` (its first ${stored} ${noun}, through line ${lineOf(stored)}, were loaded: resume after that line)` : ' (nothing was loaded)';
}

/**
 * The API's reason for refusing a line the engine refused (a field it does not know, one missing),
 * in the API's words, as every line read here gets them: the line is read again from its file.
 * Undefined when the input is no file (standard input), or the API would take the line.
 */
async function apiReason(options: LoadOptions, line: number): Promise<string | undefined> {
  if (options.file === undefined || options.kind === 'users') return undefined;
  try {
    // A pipe or a device cannot be read twice (a FIFO whose writer is gone would block forever).
    if (!statSync(options.file).isFile()) return undefined;
    let n = 0;
    for await (const text of linesOf(createReadStream(options.file))) {
      if (++n < line) continue;
      readChecked(text, ROW_VALIDATORS[options.kind](), line);
      return undefined;
    }
  } catch (error) {
    if (error instanceof LoadError) return error.message;
    // The file gone or unreadable since: the engine's reason stands.
  }
  return undefined;
}

/**
 * The engine's reason for a line the API would take, in words: a key twice in one object, which
 * the API reads as its last value and the engine refuses (docs/ingestion.md).
 */
function engineReason(reason: string): string {
  const path = /Duplicate path found during parsing JSON object: (.*?)\. You can enable/s.exec(reason)?.[1];
  const field = /Duplicate field found while parsing JSONEachRow format: (.*)$/s.exec(reason)?.[1];
  // The loader writes `project` into each line itself: one written in the line is a field the API does not know.
  if (field === 'project') return '/project is not a known field';
  const key = path === undefined ? field : decodeKey(path);
  return key === undefined ? reason : `the key ${JSON.stringify(key)} appears twice in one object (the API keeps the last; load refuses the line)`;
}

function ownRefusal(error: unknown): LoadError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof LoadError) return e;
  return undefined;
}

/** Rows the embedded engine had taken, in INSERTs that completed, when the write failed. */
function storedRows(error: unknown): number | undefined {
  if (error instanceof WarehouseRejectedData && error.stored !== undefined) return error.stored;
  for (let e = error; e instanceof Error; e = e.cause) {
    const sent = (e as { progress?: { rowsSent?: number } }).progress?.rowsSent;
    if (sent !== undefined) return sent;
  }
  return undefined;
}

/** Splices `"project":…` into each line of NDJSON, at the byte level. */
export class ProjectLines extends Transform {
  bytesIn = 0;
  private line = 0;
  private rows = 0;
  /** Where blank lines were left out: [the row after them, lines left out up to there], in order. */
  private readonly gaps: Array<[number, number]> = [];
  private rest: Buffer[] = [];
  private readonly prefix: Buffer;

  private readonly encodeProperties: boolean;
  /** The API's own check of a row of this kind, for the lines read here. */
  private readonly valid: ValidateFunction<Record<string, unknown>>;

  constructor(private readonly project: string, kind: Exclude<LoadKind, 'users'>) {
    super();
    this.prefix = Buffer.from(`{"project":${JSON.stringify(project)},`);
    this.encodeProperties = kind === 'events';
    this.valid = ROW_VALIDATORS[kind]();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytesIn += chunk.length;
    const last = chunk.lastIndexOf(10);
    // A line's bytes wait, chunk by chunk, until its newline comes: joined once, not at every chunk
    // (a line of 30 MB in 64 KiB chunks took seconds).
    if (last === -1) {
      this.rest.push(Buffer.from(chunk));
      return done();
    }
    const head = this.rest.length ? Buffer.concat([...this.rest, chunk.subarray(0, last + 1)]) : chunk.subarray(0, last + 1);
    this.rest = last + 1 < chunk.length ? [Buffer.from(chunk.subarray(last + 1))] : [];
    try {
      done(null, this.convert(this.withoutBom(head)));
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      done(null, this.rest.length ? this.convert(this.withoutBom(Buffer.concat([...this.rest, NEWLINE]))) : undefined);
    } catch (error) {
      done(error as Error);
    }
  }

  /** A UTF-8 byte order mark (editors on Windows write one) is not part of the first line. */
  private withoutBom(block: Buffer): Buffer {
    if (this.line > 0) return block;
    return block.subarray(0, 3).equals(BOM) ? block.subarray(3) : block;
  }

  private convert(block: Buffer): Buffer {
    const pieces: Buffer[] = [];
    // The engine would refuse a lone high surrogate and store a lone low one as U+FFFD: lines
    // with a surrogate escape (rare) are parsed here and checked first.
    const surrogates = block.includes('\\ud') || block.includes('\\uD');
    // Bytes that are not UTF-8 (a Latin-1 export) the engine would store as they are; the API
    // refuses them. Checked once a block, and line by line only in a block that has some.
    const notUtf8 = !isUtf8(block);
    let start = 0;
    for (let end = block.indexOf(10); end !== -1; start = end + 1, end = block.indexOf(10, start)) {
      this.line++;
      let from = start;
      while (from < end && isSpace(block[from]!)) from++;
      let to = end;
      while (to > from && isSpace(block[to - 1]!)) to--;
      if (from === to) {
        this.skip();
        continue;
      }
      this.rows++;
      const line = block.subarray(from, to);
      if (line[0] !== 0x7b /* { */) throw new LoadError(`line ${this.line}: not a JSON object`);
      if (notUtf8 && !isUtf8(line)) throw new LoadError(`line ${this.line}: ${NOT_UTF8}`);
      const scan = scanLine(line);
      // A line read here goes on as the API writes a row: the engine never parses what was doubted.
      if (!passesAsBytes(line, scan) || scan.bigInteger || (this.encodeProperties && scan.percent)
        || (surrogates && mayHoldSurrogates(line.toString('utf8')))) {
        pieces.push(this.reencode(this.readRow(line)), NEWLINE);
        continue;
      }
      // A line passed on has a "timestamp" field, so the project is never the only one.
      pieces.push(this.prefix, line.subarray(1), NEWLINE);
    }
    return Buffer.concat(pieces);
  }

  /** The line of the input that became the nth row sent (1-based). */
  lineOf(row: number): number {
    let skipped = 0;
    for (const [after, total] of this.gaps) {
      if (after > row) break;
      skipped = total;
    }
    return row + skipped;
  }

  private skip(): void {
    const last = this.gaps[this.gaps.length - 1];
    if (last && last[0] === this.rows + 1) last[1]++;
    else this.gaps.push([this.rows + 1, (last?.[1] ?? 0) + 1]);
  }

  /** A line read here, and checked as the API checks a row of its kind, with the API's message. */
  private readRow(line: Buffer): Record<string, unknown> {
    return readChecked(line.toString('utf8'), this.valid, this.line);
  }

  /** A row written again as the API writes one: keys encoded, integers past 64 bits as doubles. */
  private reencode(row: Record<string, unknown>): Buffer {
    const properties = this.encodeProperties && row.properties && typeof row.properties === 'object'
      ? encodeKeys(row.properties as Record<string, unknown>) : row.properties;
    return Buffer.from(stringifyRow({ project: this.project, ...row, ...(properties !== undefined ? { properties } : {}) }));
  }
}

/**
 * Whether a line may go to the engine as bytes: its scan found nothing to doubt and one
 * lowercase top-level "timestamp" whose value is a timestamp the API accepts. The engine's own
 * parser reads a timestamp with best effort (no zone as UTC, `01/11/2026`, a number as
 * milliseconds); every form the API accepts it reads as the same instant
 * (test/tools/load.test.ts). Any other line is read here.
 */
function passesAsBytes(line: Buffer, scan: LineScan): boolean {
  if (scan.timestamp === -1) return false;
  let i = scan.timestamp + TIMESTAMP_KEY.length;
  while (isSpace(line[i]!)) i++;
  if (line[i] !== 0x3a /* : */) return false;
  do i++; while (isSpace(line[i]!));
  const end = line[i] === 0x22 /* " */ ? line.indexOf(0x22, i + 1) : -1;
  // A string without escapes.
  return end !== -1 && (isCanonicalTimestamp(line, i + 1, end)
    || (!line.subarray(i + 1, end).includes(0x5c /* \ */) && isTimestamp(line.toString('latin1', i + 1, end))));
}

/** A line read in JavaScript, with the checks of every JSON input and then the API's for its kind. */
function readChecked<T>(text: string, valid: ValidateFunction<T>, line: number): T {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    throw new LoadError(`line ${line}: ${(error as Error).message}`);
  }
  // The same message as the API gives for the same object.
  if (!valid(value)) throw new LoadError(`line ${line}: ${validationError(valid.errors!, undefined).message}`);
  return value;
}

/** What the loader needs to know of a line before passing it on, found in one pass over its bytes. */
interface LineScan {
  /**
   * Where the top-level key `"timestamp"` starts, when the line has it once and nothing else to
   * doubt; else -1, to be read here. Doubted: a top-level name with a capital (the engine matches
   * field names regardless of case), the key twice; an escape or a number JSON does not have, a
   * raw control character, a list in a list; an escape of a printable ASCII
   * character (`\u0041`), which could spell a name another way; a null at the top level or in a
   * list, and an object inside the properties (the engine keeps the one and drops the others,
   * where the API refuses them); anything after the line's object (the engine would read a second
   * row, which could name its own project).
   */
  timestamp: number;
  /** A '%', plain or escaped (`\u0025`): its keys need the encoding the engine cannot do. */
  percent: boolean;
  /**
   * A number of 19 digits or more, which may lie past 64 bits: the engine refuses such an integer
   * in a JSON column and keeps it as text in an answer, where the API stores the double it reads.
   */
  bigInteger: boolean;
}

/** One pass over a line's bytes, tracking strings and the depth of objects (~2 ns a byte). */
function scanLine(line: Buffer): LineScan {
  let found = -1;
  let doubt = false;
  let percent = false;
  let bigInteger = false;
  let digits = 0;
  let inString = false;
  let depth = 0;
  let closed = -1;
  let lists = 0;
  let fraction = false;
  const last = line.length - TIMESTAMP_KEY.length;
  for (let i = 0, n = line.length; i < n; i++) {
    const byte = line[i]!;
    if (inString) {
      if (byte === 0x22 /* " */) inString = false;
      else if (byte === 0x25 /* % */) percent = true;
      else if (byte === 0x5c /* \ */) {
        // Only JSON's escapes: the engine reads `\x41` as "x41", `\u` as any four bytes (a quote
        // among them then ends no string for it, though it does for this scan).
        const escaped = line[i + 1]!;
        if (escaped === 0x75 /* u */) {
          if (!HEX[line[i + 2]!] || !HEX[line[i + 3]!] || !HEX[line[i + 4]!] || !HEX[line[i + 5]!]) return DOUBTED;
          if (line[i + 2] === 0x30 && line[i + 3] === 0x30) {
            const high = line[i + 4]!;
            if (high === 0x32 && line[i + 5] === 0x35) percent = true;
            else if (high >= 0x32 && high <= 0x37) return DOUBTED;
          }
          i += 5;
        } else {
          if (!SIMPLE_ESCAPE[escaped]) return DOUBTED;
          i++;
        }
      } else if (byte < 0x20) return DOUBTED; // a control character JSON wants escaped
      continue;
    }
    if (byte >= 0x30 && byte <= 0x39) {
      // JSON's numbers only: the engine reads `01` as 1 in an answer, where the API refuses it.
      if (digits === 0) {
        fraction = inFractionOrExponent(line, i);
        if (byte === 0x30 && isDigit(line[i + 1]) && !fraction) return DOUBTED;
      }
      // Only an integer part can lie past 64 bits (a full-precision double has 19 decimals).
      if (++digits >= 19 && !fraction) bigInteger = true;
      continue;
    }
    digits = 0;
    if (byte === 0x2e /* . */) {
      if (!isDigit(line[i - 1]) || !isDigit(line[i + 1])) return DOUBTED; // `.5`, `1.`
    } else if (byte === 0x2b /* + */) {
      if ((line[i - 1]! | 0x20) !== 0x65 /* e */) return DOUBTED; // `+1`
    } else if (byte === 0x5b /* [ */) {
      if (++lists > 1) return DOUBTED; // a list in a list: never valid, and deep ones the engine refuses unnamed
    } else if (byte === 0x5d /* ] */) {
      lists--;
    } else if (byte === 0x22 /* " */) {
      inString = true;
      if (depth !== 1) continue;
      // A field's name (not a value, nor an item of a list) holds no capital: the engine matches
      // names regardless of case, the API knows them in lowercase only.
      if (lists === 0) {
        const before = byteBefore(line, i);
        if (before === 0x7b /* { */ || before === 0x2c /* , */) {
          for (let k = i + 1; k < n && line[k] !== 0x22 && line[k] !== 0x5c; k++) if (line[k]! >= 0x41 && line[k]! <= 0x5a) return DOUBTED;
        }
      }
      // The name in another case has been doubted as a capital just above.
      if (i > last || line[i + 1] !== 0x74 /* t */ || line.compare(TIMESTAMP_KEY, 0, TIMESTAMP_KEY.length, i, i + TIMESTAMP_KEY.length) !== 0) continue;
      if (found !== -1) doubt = true;
      found = i;
    } else if (byte === 0x7b /* { */) {
      if (++depth > 2 || closed !== -1) doubt = true;
    } else if (byte === 0x7d /* } */) {
      if (--depth === 0) closed = i;
    } else if (byte === 0x6e /* n */ && line[i + 1] === 0x75 && line[i + 2] === 0x6c && line[i + 3] === 0x6c) {
      const before = byteBefore(line, i);
      if (depth === 1 || before === 0x5b /* [ */ || before === 0x2c /* , */) doubt = true;
    } else if (byte < 0x20 && byte !== 0x09 && byte !== 0x0d) {
      return DOUBTED; // not JSON whitespace (a form feed, say)
    }
  }
  if (closed !== line.length - 1) doubt = true;
  return { timestamp: doubt ? -1 : found, percent, bigInteger };
}

const DOUBTED: LineScan = { timestamp: -1, percent: false, bigInteger: false };
/** The byte before `i`, spaces skipped (undefined at the line's start). */
function byteBefore(line: Buffer, i: number): number | undefined {
  let before = i - 1;
  while (before >= 0 && isSpace(line[before]!)) before--;
  return line[before];
}
const isDigit = (byte: number | undefined) => byte !== undefined && byte >= 0x30 && byte <= 0x39;
/** Whether the digit at `i` follows a number's point or exponent, where JSON allows a leading 0. */
function inFractionOrExponent(line: Buffer, i: number): boolean {
  const before = line[i - 1]! | 0x20;
  return before === 0x2e /* . */ || before === 0x65 /* e */ || line[i - 1] === 0x2b /* + */
    || (line[i - 1] === 0x2d /* - */ && (line[i - 2]! | 0x20) === 0x65);
}
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

const ROW_VALIDATORS: Record<Exclude<LoadKind, 'users'>, () => ValidateFunction<Record<string, unknown>>> = {
  events: () => strictValidator(eventSchema),
  interactions: () => strictValidator(interactionSchema),
  answers: () => strictValidator(answerSchema),
};

const NEWLINE = Buffer.from('\n');
const TIMESTAMP_KEY = Buffer.from('"timestamp"');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const isSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0d;

const NOT_UTF8 = 'not valid UTF-8 (convert the file first: iconv -f windows-1252 -t utf-8, say), as the API refuses such a body';

/**
 * The lines of a UTF-8 stream, split at '\n' only (a '\r' before it dropped), as the other kinds'
 * lines are: readline also splits at a lone '\r', which JSON allows between tokens. A line that is
 * not UTF-8 is refused with its number, not decoded to U+FFFD; a byte order mark is dropped.
 */
async function* linesOf(input: Readable): AsyncIterable<string> {
  let rest: Buffer[] = [];
  let line = 0;
  const text = (bytes: Buffer) => {
    line++;
    const content = bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes;
    if (!isUtf8(content)) throw new LoadError(`line ${line}: ${NOT_UTF8}`);
    // A UTF-8 byte order mark (editors on Windows write one) is not part of the first line.
    return line === 1 && content.subarray(0, 3).equals(BOM) ? content.toString('utf8', 3) : content.toString('utf8');
  };
  for await (const chunk of input) {
    const bytes: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let end = bytes.indexOf(10); end !== -1; start = end + 1, end = bytes.indexOf(10, start)) {
      const piece = bytes.subarray(start, end);
      yield text(rest.length ? Buffer.concat([...rest, piece]) : piece);
      rest = [];
    }
    if (start < bytes.length) rest.push(Buffer.from(bytes.subarray(start)));
  }
  if (rest.length) yield text(Buffer.concat(rest));
}

async function loadUsers(users: UserStore, options: LoadOptions): Promise<{ rows: number }> {
  const valid = strictValidator<UserWrite>(userSchema);
  let batch: UserWrite[] = [];
  let rows = 0;
  let line = 0;
  let through = 0;
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await users.upsert(options.project, batch);
    rows += batch.length;
    through = line;
    batch = [];
    options.onProgress?.({ rows, bytes });
  };
  try {
    for await (const text of linesOf(options.input)) {
      line++;
      bytes += Buffer.byteLength(text) + 1;
      if (!text.trim()) continue;
      batch.push(readChecked(text, valid, line));
      if (batch.length === MAX_BATCH) await flush();
    }
    await flush();
  } catch (error) {
    // Users are written MAX_BATCH at a time: the batches before the failure are in. A write that
    // failed may have taken its batch all the same (a server's connection lost after the rows went).
    const note = error instanceof LoadError ? resumeNote(rows, 'users', () => through)
      : ` (${rows > 0 ? `its first ${rows} users, through line ${through}, were loaded` : 'no batch before it was loaded'}; `
        + `the batch that failed, through line ${line}, may be in too: check before loading it again)`;
    throw new LoadError(`${(error as Error).message}${note}`, { cause: error });
  }
  return { rows };
}
