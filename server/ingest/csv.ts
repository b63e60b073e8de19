/**
 * CSV imports (SPEC §4 "POST /v1/imports"): a header row; the identifier
 * column (`id` or `email`); known native columns map to native fields, every
 * other column to a custom attribute. Cells are typed the way a person reading
 * the sheet would: empty means "no value", true/false are booleans, plain
 * decimal numbers are numbers (not "007": a leading zero marks an identifier;
 * nor a number a double cannot hold — see `typedCell`), anything else is a string.
 */
import { parse } from 'csv-parse/sync';
import type { Attributes, UserWrite } from '../../model/schemas.js';
import { characters } from '../../model/keys.js';
import { parseTimestamp } from '../../model/time.js';

export type Identifier = 'id' | 'email';

export interface CsvRow {
  /** The line of the sheet, header = 1. */
  row: number;
  write: UserWrite;
  /** With identifier=email, the email the user is matched by. */
  email?: string;
}

export interface CsvReject {
  row: number;
  reason: string;
}

export class CsvError extends Error {}

const NATIVE_STRINGS = new Set(['name', 'email', 'language']);
const NATIVE_TIMES = new Set(['created_at', 'first_seen_at', 'last_activity_at']);
const NATIVE_COLUMNS = new Set(['id', ...NATIVE_STRINGS, ...NATIVE_TIMES, 'sessions', 'tags']);
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

export function typedCell(text: string): string | number | boolean | undefined {
  const cell = text.trim();
  if (cell === '') return undefined;
  if (/^(true|false)$/i.test(cell)) return cell.toLowerCase() === 'true';
  if (NUMBER.test(cell) && holdsAsNumber(cell)) return Number(cell);
  return text;
}

/**
 * A cell a double holds: not one it would change beyond rounding its last digits — digits alone
 * from 2^53 on (`12345678901234567890`, an id, would read 12345678901234567000; written with a
 * fraction or an exponent it is a number, rounded), a magnitude past its range (`1e400`) or one
 * that underflows to 0 (`1e-400`). Those stay strings, as written.
 */
function holdsAsNumber(cell: string): boolean {
  const n = Number(cell);
  if (!Number.isFinite(n)) return false;
  if (n === 0) return !/[1-9]/.test(cell.replace(/[eE].*$/, ''));
  return !Number.isInteger(n) || Number.isSafeInteger(n) || /[.eE]/.test(cell);
}

/**
 * How the parser reads every file. Every line end ends a record, mixed in one file too (a sheet
 * edited on two systems): the parser otherwise takes the first one's kind and leaves a '\r' in the
 * last cell of CRLF rows. Spaces around a cell are not part of it (`u1, "Ada"` is Ada, unquoted),
 * spaces inside quotes are; a quote inside a cell that does not start with one is kept as written
 * (`5 ft 10"`), as spreadsheets read it.
 */
const OPTIONS = { bom: true, ltrim: true, rtrim: true, relax_quotes: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n', '\r'] };

export function readCsv(text: string, identifier: Identifier): { rows: CsvRow[]; rejects: CsvReject[] } {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { ...OPTIONS, delimiter: delimiterOf(text, identifier), relax_column_count: true, info: true }) as unknown as typeof records;
  } catch (error) {
    throw new CsvError(`not a readable CSV file: ${(error as Error).message}`);
  }
  const [first, ...body] = records;
  if (!first) throw new CsvError('the file is empty: a header row is required');
  const header = first.record;
  // Native columns and the identifier are recognized whatever their case ("Email", "ID"), as a sheet
  // exported by hand names them; every other column is an attribute keyed exactly as written.
  // A column without a name and without values (a trailing separator a sheet exported) is ignored.
  const columns = header.map((h, i): string | undefined => {
    const name = h.trim();
    if (name === '') {
      if (body.some(({ record }) => (record[i] ?? '').trim() !== '')) throw new CsvError(`column ${i + 1} has values but no name in the header`);
      return undefined;
    }
    return NATIVE_COLUMNS.has(name.toLowerCase()) ? name.toLowerCase() : name;
  });
  if (!columns.includes(identifier)) throw new CsvError(`the header has no "${identifier}" column (the identifier chosen)`);
  const tooLong = columns.find((c) => c !== undefined && characters(c) > 128);
  if (tooLong !== undefined) throw new CsvError(`column names must be 1 to 128 characters: ${JSON.stringify(tooLong)}`);
  const twice = columns.find((c, i) => c !== undefined && columns.indexOf(c) !== i);
  if (twice !== undefined) throw new CsvError(`the header names the column "${twice}" twice`);

  const rows: CsvRow[] = [];
  const rejects: CsvReject[] = [];
  const lines = new EditorLines();
  lines.startOf(first.record, first.info.lines);
  for (const { record: cells, info } of body) {
    const row = lines.startOf(cells, info.lines);
    try {
      rows.push({ row, ...readRow(columns, cells, identifier) });
    } catch (error) {
      rejects.push({ row, reason: (error as Error).message });
    }
  }
  return { rows, rejects };
}

/**
 * The line of the file each record starts on (the header is line 1), as an editor numbers it:
 * blank lines skipped still count, and a record whose quoted cells hold line breaks starts that
 * many lines before the one it ends on. The parser reports the line a record ends on, but counts a
 * CRLF inside quotes as two lines (one everywhere else); records are given in order, so the
 * surplus is carried from one to the next.
 */
class EditorLines {
  private surplus = 0;

  startOf(cells: readonly string[], lastLineAsParsed: number): number {
    let breaks = 0;
    for (const cell of cells) {
      breaks += cell.match(/\r\n|\n|\r/g)?.length ?? 0;
      this.surplus += cell.match(/\r\n/g)?.length ?? 0;
    }
    return lastLineAsParsed - this.surplus - breaks;
  }
}

/**
 * The file's separator: a comma, or a semicolon or a tab, whichever reads a header holding the
 * identifier column — spreadsheets in locales with a decimal comma export `id;name` (Excel's "CSV"
 * in France or Germany), leaving commas in names unquoted (`ID;Name, Vorname`).
 */
function delimiterOf(text: string, identifier: Identifier): string {
  for (const delimiter of [',', ';', '\t']) {
    try {
      const [header] = parse(text, { ...OPTIONS, delimiter, to: 1 }) as string[][];
      if (header?.some((name) => name.trim().toLowerCase() === identifier)) return delimiter;
    } catch {
      // Not readable this way: try the next one.
    }
  }
  return ',';
}

function readRow(columns: Array<string | undefined>, cells: string[], identifier: Identifier): Omit<CsvRow, 'row'> {
  if (cells.length > columns.length) throw new Error(`has ${cells.length} cells for ${columns.length} columns`);
  const write: Partial<UserWrite> = {};
  // No prototype: a column named "__proto__" is an attribute like any other.
  const attributes: Attributes = Object.create(null) as Attributes;
  columns.forEach((column, i) => {
    const text = cells[i] ?? '';
    if (column === undefined || text.trim() === '') return;
    if (column === 'id') write.id = text.trim();
    else if (NATIVE_STRINGS.has(column)) write[column as 'name'] = text.trim();
    else if (NATIVE_TIMES.has(column)) {
      const epoch = parseTimestamp(text.trim());
      if (epoch === undefined) throw new Error(`${column} is not an ISO 8601 timestamp or date`);
      write[column as 'created_at'] = new Date(epoch).toISOString();
    } else if (column === 'sessions') {
      const n = Number(text.trim());
      if (!Number.isSafeInteger(n) || n < 0) throw new Error('sessions must be a whole number ≥ 0');
      write.sessions = n;
    } else if (column === 'tags') {
      write.tags = text.split(/[;|]/).map((t) => t.trim()).filter(Boolean);
    } else {
      attributes[column] = typedCell(text) as string | number | boolean;
    }
  });
  if (Object.keys(attributes).length > 0) write.attributes = attributes;
  if (write.id !== undefined && characters(write.id) > 256) throw new Error('id is longer than 256 characters');
  if (identifier === 'email') {
    if (!write.email) throw new Error('email is empty');
    return { write: { ...write, id: write.id ?? '' } as UserWrite, email: write.email };
  }
  if (!write.id) throw new Error('id is empty');
  return { write: write as UserWrite };
}

/**
 * With identifier=email, the id each row writes, in the order of the rows: the user holding the
 * row's email at that row (the smallest id, bytewise as the warehouse orders them, when several
 * do), else the row's id cell, else the email itself — undefined when that email is too long to be
 * an id (the row is refused and writes nothing). Rows apply in order (SPEC §2), so a row sees the
 * emails the rows before it gave: the user row 2 created, or the address row 3 took from someone,
 * is what row 4's email finds. `holders` is the store's state before the file, for every email and
 * every id the rows may write.
 */
export function idsByEmail(rows: readonly CsvRow[], holders: Iterable<{ id: string; email: string }>): Array<string | undefined> {
  const emailOf = new Map<string, string>();
  const holding = new Map<string, Set<string>>();
  const give = (id: string, email: string) => {
    const before = emailOf.get(id);
    if (before !== undefined) holding.get(before)?.delete(id);
    emailOf.set(id, email);
    if (!holding.has(email)) holding.set(email, new Set());
    holding.get(email)!.add(id);
  };
  for (const { id, email } of holders) give(id, email);
  return rows.map((r) => {
    const held = [...holding.get(r.email!) ?? []];
    const id = held.length ? held.reduce((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? a : b)) : r.write.id || r.email!;
    if (characters(id) > 256) return undefined;
    give(id, r.email!);
    return id;
  });
}
