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
