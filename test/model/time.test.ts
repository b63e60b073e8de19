import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIRST_INSTANT, LAST_INSTANT, fromWarehouseTime, isCanonicalTimestamp, isTimestamp, parseTimestamp, toWarehouseTime } from '../../model/time.js';

describe('SPEC §2 timestamps', () => {
  it('reads UTC and offset timestamps to the millisecond', () => {
    expect(parseTimestamp('2026-03-01T10:00:00.000Z')).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseTimestamp('2026-03-01T10:00:00.123+02:00')).toBe(Date.UTC(2026, 2, 1, 8, 0, 0, 123));
    expect(parseTimestamp('2026-03-01T10:00:00-0530')).toBe(Date.UTC(2026, 2, 1, 15, 30));
    expect(parseTimestamp('2026-03-01T10:00Z')).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseTimestamp('2026-03-01T10:00:00.1239Z')).toBe(Date.UTC(2026, 2, 1, 10, 0, 0, 123));
  });

  it('reads a date alone as 00:00 UTC', () => {
    expect(parseTimestamp('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });

  it('refuses what is not an instant', () => {
    for (const text of ['2026-03-01T10:00:00', '2025-02-29', '2026-13-01', '2026-01-32', '2026-01-01T24:00:00Z', 'yesterday', '', '1e9', '2026-1-1', '0000-01-01', '10000-01-01', '0001-01-01T00:00:00+01:00', '2026-01-01T00:00:00+01:99']) {
      expect(parseTimestamp(text), text).toBeUndefined();
    }
  });

  it('reads the years 0001–9999, the first century included (which Date.UTC would read as 1900–1999)', () => {
    expect(parseTimestamp('0001-01-01')).toBe(new Date('0001-01-01T00:00:00.000Z').getTime());
    expect(parseTimestamp('0099-03-04T05:06:07.008Z')).toBe(new Date('0099-03-04T05:06:07.008Z').getTime());
    expect(parseTimestamp('1800-02-29')).toBeUndefined();
    expect(parseTimestamp('1600-02-29')).toBe(new Date('1600-02-29T00:00:00.000Z').getTime());
    expect(parseTimestamp('9999-12-31T23:59:59.999Z')).toBe(new Date('9999-12-31T23:59:59.999Z').getTime());
    expect(toWarehouseTime(parseTimestamp('0850-05-05')!)).toBe('0850-05-05 00:00:00.000');
  });

  it('converts to and from the warehouse text', () => {
    expect(toWarehouseTime(Date.UTC(2026, 5, 15, 12, 0, 0, 123))).toBe('2026-06-15 12:00:00.123');
    expect(fromWarehouseTime('2026-06-15 12:00:00.123')).toBe('2026-06-15T12:00:00.123Z');
    expect(fromWarehouseTime('2026-06-15 12:00:00')).toBe('2026-06-15T12:00:00.000Z');
  });

  // The bulk loader's fast path: a subset of what the API accepts, and all of its usual form.
  it('checks the usual form on its bytes exactly as the full check does', () => {
    const bytes = (text: string) => Buffer.from(text, 'latin1');
    const digit = fc.integer({ min: 0, max: 9 }).map(String);
    const shaped = fc.tuple(fc.array(digit, { minLength: 14, maxLength: 14 }), fc.boolean(), fc.array(digit, { minLength: 3, maxLength: 3 }))
      .map(([d, ms, f]) => `${d.slice(0, 4).join('')}-${d.slice(4, 6).join('')}-${d.slice(6, 8).join('')}T${d.slice(8, 10).join('')}:${d.slice(10, 12).join('')}:${d.slice(12).join('')}${ms ? `.${f.join('')}` : ''}Z`);
    const valid = fc.date({ min: new Date(FIRST_INSTANT), max: new Date(LAST_INSTANT), noInvalidDate: true }).map((d) => d.toISOString());
    fc.assert(fc.property(fc.oneof(shaped, valid, fc.string({ maxLength: 26 })), (text) => {
      const fast = isCanonicalTimestamp(bytes(text), 0, text.length);
      if (fast) expect(isTimestamp(text), text).toBe(true);
      if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(text)) expect(fast, text).toBe(isTimestamp(text));
    }), { numRuns: 20_000 });
    for (const text of ['2024-02-29T00:00:00.000Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z']) expect(isCanonicalTimestamp(bytes(text), 0, text.length), text).toBe(true);
    for (const text of ['2025-02-29T00:00:00.000Z', '1900-02-29T00:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T10:00:00', '2026-01-01T10:00:00.00Z']) {
      expect(isCanonicalTimestamp(bytes(text), 0, text.length), text).toBe(false);
    }
  });
});
