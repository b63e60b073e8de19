/** SPEC §5 DEMO_DATA: the demo project on an empty store only; a load cut short is reported, never deleted. */
import { afterAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../server/demo.js';
import { DEMO_SIZES } from '../../tools/seed.js';
import { openTestWarehouse } from '../support/warehouse.js';

const store = await openTestWarehouse();
const { warehouse } = store;
afterAll(() => store.dispose());
const anchor = new Date('2026-06-01T00:00:00Z');

async function demoRows(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['users', 'events', 'interactions', 'answers']) {
    const { rows } = await warehouse.query<{ n: number }>(`SELECT count() AS n FROM ${table === 'users' ? 'users FINAL' : table} WHERE project = 'demo'`);
    counts[table] = Number(rows[0]!.n);
  }
  return counts;
}

describe('a store that holds anything', () => {
  it('gets no demo, whatever table the data is in', async () => {
    for (const [table, row] of [
      ['answers', { project: 'p', user_id: 'u', experience: 'e', step: 's', value: 'x', timestamp: '2026-01-01 00:00:00' }],
      ['segments', { project: 'p', id: 's1', name: 'n', conditions: '{}' }],
    ] as const) {
      await warehouse.insert({ table, format: 'JSONEachRow' }, Buffer.from(`${JSON.stringify(row)}\n`));
      expect(await loadDemo(warehouse, anchor), table).toBeUndefined();
      await warehouse.command(`DELETE FROM ${table} WHERE project = 'p'`);
    }
  });
});

describe('the demo dataset', () => {
  it('is loaded into an empty store, once', async () => {
    expect(await loadDemo(warehouse, anchor)).toBe('loaded');
    expect(await demoRows()).toEqual({ ...DEMO_SIZES });
    expect(await loadDemo(warehouse, anchor)).toBeUndefined();
    expect(await demoRows()).toEqual({ ...DEMO_SIZES });
  });

  it('is never deleted to load it again after a start cut short while loading it: the start says so', async () => {
    // A start that wrote "started" and then stopped; since then, rows of someone's in project demo.
    await warehouse.insert({ table: 'demo_dataset', format: 'JSONEachRow', columns: ['state'] }, Buffer.from('{"state":"started"}\n'));
    await warehouse.insert({ table: 'events', format: 'JSONEachRow' }, Buffer.from(`${JSON.stringify({ project: 'demo', user_id: 'mine', source: 'api', event: 'real', timestamp: '2026-01-01 00:00:00' })}\n`));
    expect(await loadDemo(warehouse, anchor)).toBe('incomplete');
    expect(await loadDemo(warehouse, anchor)).toBe('incomplete');
    expect(await demoRows()).toEqual({ ...DEMO_SIZES, events: DEMO_SIZES.events + 1 });
  });
});
