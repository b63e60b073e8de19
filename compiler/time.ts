/**
 * The one time-window helper (SPEC §3.2 rule 5): every date comparison and
 * every event / interaction / answer window becomes a range of instants,
 * computed here from the request's `now`, so each category reads time the
 * same way.
 */
import { utcDay } from '../model/time.js';
import type { DateValue, Duration, Window } from './tree.js';

const DAY = 86_400_000;
const FIXED: Record<Exclude<Duration['unit'], 'months'>, number> = { minutes: 60_000, hours: 3_600_000, days: DAY, weeks: 7 * DAY };

/** A bound of a range of instants (epoch ms). */
export interface Bound {
  readonly ms: number;
  readonly inclusive: boolean;
}

export interface TimeRange {
  readonly from?: Bound;
  readonly to?: Bound;
}

/** now − d; months are calendar months, clamped to the end of a shorter month (31 March − 1 month = 28/29 February). */
export function subtract(nowMs: number, d: Duration): number {
  if (d.unit !== 'months') return nowMs - d.amount * FIXED[d.unit];
  const now = new Date(nowMs);
  const monthIndex = now.getUTCFullYear() * 12 + now.getUTCMonth() - d.amount;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12;
  const lastDay = new Date(utcDay(year, month + 1, 0)).getUTCDate();
  const day = Math.min(now.getUTCDate(), lastDay);
  return utcDay(year, month, day) + (nowMs - utcDay(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

const startOfDay = (ms: number) => Math.floor(ms / DAY) * DAY;

/** `before v`: a date-only v means before that day starts. */
export function before(v: DateValue): TimeRange {
  return { to: { ms: v.dateOnly ? startOfDay(v.ms) : v.ms, inclusive: false } };
}

/** `after v`: a date-only v means from the next day on. */
export function after(v: DateValue): TimeRange {
  return v.dateOnly ? { from: { ms: startOfDay(v.ms) + DAY, inclusive: true } } : { from: { ms: v.ms, inclusive: false } };
}

/** `on v`: the UTC day of v. */
export function on(v: DateValue): TimeRange {
  const start = startOfDay(v.ms);
  return { from: { ms: start, inclusive: true }, to: { ms: start + DAY, inclusive: false } };
}

/** `between [a, b]`, inclusive; a date-only b includes that whole day. */
export function between(a: DateValue, b: DateValue): TimeRange {
  return {
    from: { ms: a.dateOnly ? startOfDay(a.ms) : a.ms, inclusive: true },
    to: b.dateOnly ? { ms: startOfDay(b.ms) + DAY, inclusive: false } : { ms: b.ms, inclusive: true },
  };
}

export function inLast(d: Duration, nowMs: number): TimeRange {
  return { from: { ms: subtract(nowMs, d), inclusive: true }, to: { ms: nowMs, inclusive: true } };
}

export function moreThanAgo(d: Duration, nowMs: number): TimeRange {
  return { to: { ms: subtract(nowMs, d), inclusive: false } };
}

export function windowRange(w: Window, nowMs: number): TimeRange {
  switch (w.kind) {
    case 'in_last':
      return inLast(w.duration, nowMs);
    case 'more_than_ago':
      return moreThanAgo(w.duration, nowMs);
    case 'between':
      return between(w.from, w.to);
    case 'before':
      return before(w.value);
    case 'after':
      return after(w.value);
  }
}
