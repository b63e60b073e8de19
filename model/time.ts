/**
 * Timestamps as the product speaks them (ISO 8601, UTC, milliseconds) and as
 * ClickHouse binds them (`2026-06-15 12:00:00.123`, a DateTime64(3, 'UTC')).
 */

/**
 * A UTC offset as accepted anywhere a date is read — condition values, ingested timestamps, and
 * stored strings the SQL reads as dates (compiler/comparisons.ts): ±HH[[:]MM], at most ±18:00.
 */
export const UTC_OFFSET = '[+-](?:(?:0[0-9]|1[0-7])(?::?[0-5][0-9])?|18(?::?00)?)';

// YYYY-MM-DDTHH:MM[:SS[.fff…]](Z|±HH[:]MM), or a date alone.
const ISO_TIMESTAMP = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})(?:[T ](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?(Z|${UTC_OFFSET})?)?$`);

/** Epoch ms of a UTC day: setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999. */
export function utcDay(year: number, monthIndex: number, day: number): number {
  return new Date(0).setUTCFullYear(year, monthIndex, day);
}

/**
 * The instants the warehouse holds: DateTime64(3) spans the years 1–9999 from ClickHouse 26.7
 * (1900–2299 before, where values beyond are clamped). Year 0 is left out: the engine's
 * best-effort parser reads it as no year at all.
 */
export const FIRST_INSTANT = utcDay(1, 0, 1);
export const LAST_INSTANT = utcDay(10000, 0, 1) - 1;

/**
 * Parses an ISO 8601 timestamp (or `YYYY-MM-DD`, read as 00:00 UTC) to epoch
 * milliseconds; undefined when it is not one, names a day that does not exist,
 * or lies outside what the warehouse stores.
 */
export function parseTimestamp(text: string): number | undefined {
  const m = ISO_TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  // A time without a zone is ambiguous: the contract wants UTC said out loud.
  if (h !== undefined && zone === undefined) return undefined;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h ?? 0), minute = Number(mi ?? 0), second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000 + 1e-9);
  let epoch = utcDay(year, month - 1, day) + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    epoch -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60_000;
  }
  return epoch >= FIRST_INSTANT && epoch <= LAST_INSTANT ? epoch : undefined;
}

/** What an ingested timestamp must be, as every input path says it. */
export const TIMESTAMP_RULE = 'must be an ISO 8601 timestamp with Z or an offset (or a YYYY-MM-DD date)';

export function isTimestamp(text: string): boolean {
  return parseTimestamp(text) !== undefined;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (or without the milliseconds), the form nearly every exporter writes,
 * checked on its bytes, where it sits in a line of a bulk load: `parseTimestamp` costs ~1 µs,
 * more than the rest of a line's way through `segments load`. It accepts a subset of what
 * `isTimestamp` accepts (test/model/time.test.ts).
 */
export function isCanonicalTimestamp(b: Uint8Array, from: number, to: number): boolean {
  const length = to - from;
  if (length !== 24 && length !== 20) return false;
  if (b[from + 4] !== 0x2d || b[from + 7] !== 0x2d || b[from + 10] !== 0x54 || b[from + 13] !== 0x3a || b[from + 16] !== 0x3a || b[to - 1] !== 0x5a) return false;
  if (length === 24 && (b[from + 19] !== 0x2e || digits(b, from + 20, 3) < 0)) return false;
  const year = digits(b, from, 4), month = digits(b, from + 5, 2), day = digits(b, from + 8, 2);
  const hour = digits(b, from + 11, 2), minute = digits(b, from + 14, 2), second = digits(b, from + 17, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= days && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
}

/** The decimal number of `count` ASCII digits at `at`, or -1. */
function digits(b: Uint8Array, at: number, count: number): number {
  let n = 0;
  for (let k = at; k < at + count; k++) {
    const d = b[k]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcDay(year, month, 0)).getUTCDate();
}

/** Epoch ms → the DateTime64(3) text ClickHouse parses and binds. */
export function toWarehouseTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '');
}

/** DateTime64(3) text from the warehouse → ISO 8601 UTC with milliseconds. */
export function fromWarehouseTime(text: string): string {
  return `${text.replace(' ', 'T')}${text.includes('.') ? '' : '.000'}Z`;
}
