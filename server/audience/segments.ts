/** Saved segments as the compiler's resolver sees them: the project's definitions, read once per request. */
import type { SegmentResolver } from '../../compiler/index.js';
import type { Warehouse } from '../warehouse/warehouse.js';

export async function segmentResolver(warehouse: Warehouse, project: string): Promise<SegmentResolver> {
  const { rows } = await warehouse.query<{ id: string; conditions: string }>(
    'SELECT id, conditions FROM segments FINAL WHERE project = {project:String}', { project });
  const trees = new Map(rows.map((r) => [r.id, r.conditions]));
  return (id) => {
    const text = trees.get(id);
    return text === undefined ? undefined : JSON.parse(text);
  };
}
