/**
 * User profiles, latest state (SPEC §2 "Upsert rule"). A write names some
 * native fields (null clears one) and merges attributes/traits key by key
 * (null deletes a key). Writes to one project are applied one batch at a
 * time, in arrival order and, within a batch, in array order: the current
 * profiles are read, merged here, and the whole new profiles appended with a
 * higher version; ReplacingMergeTree keeps the newest.
 */
import { userColumnList } from '../../compiler/index.js';
import { decodeKeys, encodeKeys } from '../../model/keys.js';
import type { Attributes, UserWrite } from '../../model/schemas.js';
import { fromWarehouseTime, parseTimestamp, toWarehouseTime } from '../../model/time.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { KeyedLock } from './lock.js';
import { toJsonLines } from './rows.js';

/** A user as the API returns it: every field present, a missing one null. */
export interface User {
  id: string;
  name: string | null;
  email: string | null;
  language: string | null;
  created_at: string | null;
  first_seen_at: string | null;
  last_activity_at: string | null;
  sessions: number | null;
  tags: string[] | null;
  attributes: Attributes;
  traits: Attributes;
}

const NATIVE_STRINGS = ['name', 'email', 'language'] as const;
const NATIVE_TIMES = ['created_at', 'first_seen_at', 'last_activity_at'] as const;


interface UserRow extends Omit<User, 'attributes' | 'traits'> {
  attributes: Attributes;
  traits: Attributes;
}

/** Warehouse row → API user: ISO timestamps, decoded attribute keys. */
export function userFromRow(row: UserRow): User {
  const time = (t: string | null) => (t === null ? null : fromWarehouseTime(t));
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    language: row.language,
    created_at: time(row.created_at),
    first_seen_at: time(row.first_seen_at),
    last_activity_at: time(row.last_activity_at),
    sessions: row.sessions,
    tags: row.tags,
    attributes: decodeKeys(row.attributes ?? {}),
    traits: decodeKeys(row.traits ?? {}),
  };
}

/** One write applied to a profile (undefined: the user does not exist yet). */
export function applyWrite(before: User | undefined, write: UserWrite, now: string): User {
  const user: User = before
    ? { ...before }
    : {
        id: write.id, name: null, email: null, language: null, created_at: now, first_seen_at: null,
        last_activity_at: null, sessions: null, tags: null, attributes: {}, traits: {},
      };
  for (const field of NATIVE_STRINGS) if (write[field] !== undefined) user[field] = write[field];
  for (const field of NATIVE_TIMES) {
    const value = write[field];
    if (value !== undefined) user[field] = value === null ? null : normalizeTime(value);
  }
  if (write.sessions !== undefined) user.sessions = write.sessions;
  if (write.tags !== undefined) user.tags = write.tags === null ? null : [...write.tags];
  if (write.attributes) user.attributes = mergeAttributes(user.attributes, write.attributes);
  if (write.traits) user.traits = mergeAttributes(user.traits, write.traits);
  return user;
}

/** Key-by-key merge; null deletes. Entries, not assignment, so "__proto__" is a key like any other. */
export function mergeAttributes(before: Attributes, patch: Attributes): Attributes {
  const merged = new Map(Object.entries(before));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, value);
  }
  return Object.fromEntries(merged);
}

function normalizeTime(text: string): string {
  const epoch = parseTimestamp(text);
  if (epoch === undefined) throw new Error(`not a timestamp: ${text}`); // validated by the route schema
  return new Date(epoch).toISOString();
}

export interface UpsertOutcome {
  accepted: number;
  created: string[];
  updated: string[];
}

export class UserStore {
  private readonly locks = new KeyedLock();
  private lastVersion: number | undefined;

  constructor(private readonly warehouse: Warehouse) {}

  /** Applies a batch of writes to one project; returns which ids were created and updated. */
  upsert(project: string, writes: readonly UserWrite[]): Promise<UpsertOutcome> {
    return this.locks.run(project, async () => {
      const ids = [...new Set(writes.map((w) => w.id))];
      const current = await this.read(project, ids);
      const now = new Date().toISOString();
      const next = new Map<string, User>();
      for (const write of writes) next.set(write.id, applyWrite(next.get(write.id) ?? current.get(write.id), write, now));
      const version = await this.nextVersion();
      await this.write([...next.values()].map((user) => ({ ...profileRow(project, user), version })));
      return {
        accepted: writes.length,
        created: ids.filter((id) => !current.has(id)),
        updated: ids.filter((id) => current.has(id)),
      };
    });
  }

  /** Deletes a profile (events, interactions and answers stay); false when there is none. */
  delete(project: string, id: string): Promise<boolean> {
    return this.locks.run(project, async () => {
      if (!(await this.read(project, [id])).has(id)) return false;
      await this.write([{ project, id, version: await this.nextVersion(), is_deleted: 1 }]);
      return true;
    });
  }

  /** The current profiles of these ids that exist (not deleted). */
  async read(project: string, ids: readonly string[]): Promise<Map<string, User>> {
    const users = new Map<string, User>();
    if (ids.length === 0) return users;
    const { rows } = await this.warehouse.query<UserRow>(
      `SELECT ${userColumnList()} FROM users FINAL WHERE project = {project:String} AND id IN {ids:Array(String)}`,
      { project, ids: [...ids] });
    for (const row of rows) users.set(row.id, userFromRow(row));
    return users;
  }

  /** The users holding one of these emails or having one of these ids, with their emails (those that have one). */
  async emails(project: string, emails: readonly string[], ids: readonly string[]): Promise<Array<{ id: string; email: string }>> {
    if (emails.length === 0 && ids.length === 0) return [];
    const { rows } = await this.warehouse.query<{ email: string; id: string }>(
      `SELECT id, email FROM users FINAL
       WHERE project = {project:String} AND (email IN {emails:Array(String)} OR id IN {ids:Array(String)}) AND email IS NOT NULL`,
      { project, emails: [...emails], ids: [...ids] });
    return rows;
  }

  private async write(rows: object[]): Promise<void> {
    await this.warehouse.insert({ table: 'users', format: 'JSONEachRow' }, toJsonLines(rows));
  }

  /**
   * Versions order every write of every process sharing this store: microseconds
   * of wall time, never repeating, never below what the table already holds.
   */
  private async nextVersion(): Promise<number> {
    if (this.lastVersion === undefined) {
      const { rows } = await this.warehouse.query<{ v: number }>('SELECT max(version) AS v FROM users');
      this.lastVersion = Number(rows[0]?.v ?? 0);
    }
    this.lastVersion = Math.max(this.lastVersion + 1, Date.now() * 1000);
    return this.lastVersion;
  }
}

function profileRow(project: string, user: User) {
  const time = (t: string | null) => (t === null ? null : toWarehouseTime(Date.parse(t)));
  return {
    project,
    id: user.id,
    name: user.name,
    email: user.email,
    language: user.language,
    created_at: time(user.created_at),
    first_seen_at: time(user.first_seen_at),
    last_activity_at: time(user.last_activity_at),
    sessions: user.sessions,
    tags: user.tags ?? [],
    has_tags: user.tags !== null,
    attributes: encodeKeys(user.attributes),
    traits: encodeKeys(user.traits),
    is_deleted: 0,
  };
}
