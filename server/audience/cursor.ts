/**
 * Opaque, tamper-checked keyset cursors: the sort key of the last user of a
 * page, the `now` the first page was evaluated at (so every page sees the
 * same audience), and a fingerprint of the request they belong to, signed
 * with HMAC-SHA256.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SortField, SortKey } from '../../compiler/index.js';
import { fromWarehouseTime, parseTimestamp } from '../../model/time.js';
import { errors } from '../errors.js';

export interface CursorState {
  after: SortKey;
  now: string;
  /** Fingerprint of the conditions and sort the cursor was made for. */
  request: string;
}

export class Cursors {
  constructor(private readonly secret: Buffer) {}

  static fromKeys(apiKeys: ReadonlyMap<string, string>): Cursors {
    return new Cursors(createHash('sha256').update('segments cursors\0').update([...apiKeys].flat().join('\0')).digest());
  }

  static fingerprint(...parts: unknown[]): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
  }

  encode(project: string, state: CursorState): string {
    const body = Buffer.from(JSON.stringify(state)).toString('base64url');
    return `${body}.${this.sign(project, body)}`;
  }

  decode(project: string, cursor: string, request: string, by: SortField): CursorState {
    const [body, signature] = cursor.split('.');
    const expected = Buffer.from(body ? this.sign(project, body) : '');
    const given = Buffer.from(signature ?? '');
    if (!body || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw errors.invalidRequest('cursor is not one this server issued', '/cursor');
    }
    let state: unknown;
    try {
      state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      state = undefined;
    }
    // Signed, yet checked: the secret derives from the API keys, which the default `demo:demo` makes
    // public, and a state of another shape would reach the SQL as a bad parameter (a 500).
    if (!isState(state, by)) throw errors.invalidRequest('cursor is not one this server issued', '/cursor');
    if (state.request !== request) throw errors.invalidRequest('cursor belongs to other conditions or another sort', '/cursor');
    return state;
  }

  private sign(project: string, body: string): string {
    return createHmac('sha256', this.secret).update(project).update('\0').update(body).digest('base64url');
  }
}

/** A time as the warehouse writes it, which is what a page's last user carries (`2026-01-15 10:30:00.123`). */
const WAREHOUSE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,3})?$/;

/** A state this server could have issued for a walk sorted by `by`. */
function isState(state: unknown, by: SortField): state is CursorState {
  if (typeof state !== 'object' || state === null) return false;
  const { after, now, request } = state as Record<string, unknown>;
  if (typeof request !== 'string' || typeof now !== 'string' || parseTimestamp(now) === undefined) return false;
  if (typeof after !== 'object' || after === null) return false;
  const { missing, value, id } = after as Record<string, unknown>;
  if (typeof missing !== 'boolean' || typeof id !== 'string') return false;
  if (missing || by === 'id') return value === null || typeof value === 'string';
  if (by === 'sessions') return typeof value === 'number' && Number.isFinite(value);
  if (by === 'created_at' || by === 'last_activity_at') return typeof value === 'string' && WAREHOUSE_TIME.test(value) && parseTimestamp(fromWarehouseTime(value)) !== undefined;
  return typeof value === 'string';
}
