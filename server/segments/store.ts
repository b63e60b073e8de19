/**
 * Saved segments: named condition trees, never member lists. Each save is a
 * new version (optimistic concurrency on `version`), every version is kept
 * in segment_versions, and a tree is refused when it is malformed, refers to
 * an unknown segment or closes a cycle.
 */
import { randomBytes } from 'node:crypto';
import { prepare, type SegmentResolver } from '../../compiler/index.js';
import { MAX_DEPTH } from '../../compiler/normalize.js';
import { fromWarehouseTime, toWarehouseTime } from '../../model/time.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { KeyedLock } from '../ingest/lock.js';
import { toJsonLines } from '../ingest/rows.js';
import { errors } from '../errors.js';

export interface Badge {
  icon?: string;
  label?: string;
  color?: string;
}

export interface Segment {
  id: string;
  name: string;
  description: string;
  badge: Badge;
  conditions: unknown;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  updated_by: string | null;
  version: number;
}

export interface SegmentVersion extends Omit<Segment, 'created_at' | 'created_by' | 'updated_at' | 'updated_by'> {
  saved_at: string;
  saved_by: string | null;
  deleted: boolean;
}

export interface SegmentInput {
  name: string;
  description?: string;
  badge?: Badge;
  conditions: unknown;
  author?: string;
}

export interface SegmentPatch extends Partial<SegmentInput> {
  version?: number;
}

interface SegmentRow {
  id: string;
  name: string;
  description: string;
  badge: string;
  conditions: string;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  updated_by: string | null;
  version: number;
}

const COLUMNS = 'id, name, description, badge, conditions, created_at, created_by, updated_at, updated_by, version';

function fromRow(row: SegmentRow): Segment {
  return {
    id: row.id, name: row.name, description: row.description, badge: JSON.parse(row.badge), conditions: JSON.parse(row.conditions),
    created_at: fromWarehouseTime(row.created_at), created_by: row.created_by,
    updated_at: fromWarehouseTime(row.updated_at), updated_by: row.updated_by, version: Number(row.version),
  };
}

/** The segments a tree refers to directly. */
function usersOf<S extends { id: string; conditions: unknown }>(all: S[], id: string): S[] {
  return all.filter((s) => s.id !== id && references(s.conditions).has(id));
}

export function references(tree: unknown): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const n = node as { type?: unknown; segment?: unknown; conditions?: unknown };
    if (n.type === 'segment' && typeof n.segment === 'string') found.add(n.segment);
    if (Array.isArray(n.conditions)) n.conditions.forEach(visit);
  };
  visit(tree);
  return found;
}

export class SegmentStore {
  private readonly locks = new KeyedLock();

  constructor(private readonly warehouse: Warehouse) {}

  async list(project: string): Promise<Segment[]> {
    const { rows } = await this.warehouse.query<SegmentRow>(
      `SELECT ${COLUMNS} FROM segments FINAL WHERE project = {project:String} ORDER BY created_at, id`, { project });
    return rows.map(fromRow);
  }

  async get(project: string, id: string): Promise<Segment | undefined> {
    const { rows } = await this.warehouse.query<SegmentRow>(
      `SELECT ${COLUMNS} FROM segments FINAL WHERE project = {project:String} AND id = {id:String}`, { project, id });
    return rows[0] && fromRow(rows[0]);
  }

  /**
   * The compiler's view of saved segments: each one's tree as it stands now.
   * Given the trees about to be compiled, only the segments they refer to
   * (and those refer to, and so on) are read — none for most trees.
   */
  async resolver(project: string, forTrees?: readonly unknown[]): Promise<SegmentResolver> {
    if (forTrees === undefined) {
      const trees = new Map((await this.list(project)).map((s) => [s.id, s.conditions]));
      return (id) => trees.get(id);
    }
    const trees = new Map<string, unknown>();
    let wanted = [...new Set(forTrees.flatMap((t) => [...references(t)]))];
    // One query a level of references, at most MAX_DEPTH of them: each level nests a group, so a
    // reference deeper than that is never expanded (the tree is too complex first). A chain of 400
    // saved segments took 400 queries to refuse; reading every segment at once instead reads the
    // member lists of imported segments (megabytes each).
    for (let level = 0; wanted.length && level < MAX_DEPTH; level++) {
      const { rows } = await this.warehouse.query<{ id: string; conditions: string }>(
        'SELECT id, conditions FROM segments FINAL WHERE project = {project:String} AND id IN {ids:Array(String)}', { project, ids: wanted });
      for (const row of rows) trees.set(row.id, JSON.parse(row.conditions));
      wanted = [...new Set(rows.flatMap((r) => [...references(trees.get(r.id))]))].filter((id) => !trees.has(id));
    }
    return (id) => trees.get(id);
  }

  create(project: string, input: SegmentInput): Promise<Segment> {
    return this.locks.run(project, async () => {
      const id = `seg_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;
      await this.check(project, id, input.conditions);
      const now = toWarehouseTime(Date.now());
      return this.save(project, {
        id, name: input.name, description: input.description ?? '', badge: input.badge ?? {}, conditions: input.conditions,
        created_at: fromWarehouseTime(now), created_by: input.author ?? null,
        updated_at: fromWarehouseTime(now), updated_by: input.author ?? null, version: 1,
      });
    });
  }

  update(project: string, id: string, patch: SegmentPatch): Promise<Segment> {
    return this.locks.run(project, async () => {
      const current = await this.get(project, id);
      if (!current) throw errors.notFound('segment');
      if (patch.version !== undefined && patch.version !== current.version) {
        throw errors.conflict('stale_version', `segment ${id} is at version ${current.version}, not ${patch.version}: reload it and apply your change again`);
      }
      if (patch.conditions !== undefined) await this.check(project, id, patch.conditions);
      return this.save(project, {
        ...current,
        name: patch.name ?? current.name,
        description: patch.description ?? current.description,
        badge: patch.badge ?? current.badge,
        conditions: patch.conditions ?? current.conditions,
        updated_at: new Date().toISOString(),
        updated_by: patch.author ?? null,
        version: current.version + 1,
      });
    });
  }

  /** The segments whose conditions name this one (deleting it would break them). */
  async referencedBy(project: string, id: string): Promise<Array<{ id: string; name: string }>> {
    return usersOf(await this.list(project), id).map((s) => ({ id: s.id, name: s.name }));
  }

  /** Deletes a segment; one referenced by other segments only with force (they then answer unknown_segment). */
  delete(project: string, id: string, force: boolean, author?: string): Promise<void> {
    return this.locks.run(project, async () => {
      const all = await this.list(project);
      const current = all.find((s) => s.id === id);
      if (!current) throw errors.notFound('segment');
      const users = usersOf(all, id);
      if (users.length && !force) {
        throw errors.conflict('segment_in_use', `segment ${id} is used by ${users.map((s) => `${s.id} (${s.name})`).join(', ')}; delete with ?force=true to delete it anyway`, {
          referenced_by: users.map((s) => ({ id: s.id, name: s.name })),
        });
      }
      const version = current.version + 1;
      const at = toWarehouseTime(Date.now());
      await this.warehouse.insert({ table: 'segments', format: 'JSONEachRow' }, toJsonLines([{ ...this.row(project, current), version, updated_at: at, is_deleted: 1 }]));
      await this.warehouse.insert({ table: 'segment_versions', format: 'JSONEachRow' }, toJsonLines([{ ...this.versionRow(project, current, at, author ?? null), version, deleted: 1 }]));
    });
  }

  async duplicate(project: string, id: string, name: string | undefined, author: string | undefined): Promise<Segment> {
    const source = await this.get(project, id);
    if (!source) throw errors.notFound('segment');
    return this.create(project, { name: name ?? `${source.name} (copy)`.slice(0, 200), description: source.description, badge: source.badge, conditions: source.conditions, author });
  }

  async versions(project: string, id: string): Promise<SegmentVersion[]> {
    const { rows } = await this.warehouse.query<SegmentRow & { saved_at: string; saved_by: string | null; deleted: number }>(
      `SELECT segment_id AS id, name, description, badge, conditions, version, saved_at, saved_by, deleted
       FROM segment_versions WHERE project = {project:String} AND segment_id = {id:String} ORDER BY version`, { project, id });
    return rows.map((r) => ({
      id: r.id, name: r.name, description: r.description, badge: JSON.parse(r.badge), conditions: JSON.parse(r.conditions),
      version: Number(r.version), saved_at: fromWarehouseTime(r.saved_at), saved_by: r.saved_by, deleted: Boolean(r.deleted),
    }));
  }

  /** Refuses a tree that is malformed, names an unknown segment or closes a cycle through `id`. */
  private async check(project: string, id: string, conditions: unknown): Promise<void> {
    const saved = await this.resolver(project, [conditions]);
    prepare(conditions, (ref) => (ref === id ? conditions : saved(ref)));
  }

  private async save(project: string, segment: Segment): Promise<Segment> {
    await this.warehouse.insert({ table: 'segments', format: 'JSONEachRow' }, toJsonLines([this.row(project, segment)]));
    await this.warehouse.insert({ table: 'segment_versions', format: 'JSONEachRow' },
      toJsonLines([this.versionRow(project, segment, toWarehouseTime(Date.parse(segment.updated_at)), segment.updated_by)]));
    return segment;
  }

  private row(project: string, s: Segment) {
    return {
      project, id: s.id, name: s.name, description: s.description, badge: JSON.stringify(s.badge), conditions: JSON.stringify(s.conditions),
      created_at: toWarehouseTime(Date.parse(s.created_at)), created_by: s.created_by,
      updated_at: toWarehouseTime(Date.parse(s.updated_at)), updated_by: s.updated_by, version: s.version, is_deleted: 0,
    };
  }

  private versionRow(project: string, s: Segment, savedAt: string, savedBy: string | null) {
    return {
      project, segment_id: s.id, version: s.version, name: s.name, description: s.description, badge: JSON.stringify(s.badge),
      conditions: JSON.stringify(s.conditions), saved_at: savedAt, saved_by: savedBy, deleted: 0,
    };
  }
}
