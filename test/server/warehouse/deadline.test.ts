/**
 * A query's time runs from the moment it is queued (server/warehouse/lanes.ts):
 * one that starts late gets what is left as the engine's own limit, so the
 * engine stops it rather than finish it after its 504. Its own file: one data
 * directory per process, and this one has a short limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../../server/warehouse/warehouse.js';
import { WarehouseTimeout } from '../../../server/warehouse/errors.js';
import { openTestWarehouse } from '../../support/warehouse.js';

let warehouse: Warehouse;
let dispose: () => Promise<void>;
beforeAll(async () => ({ warehouse, dispose } = await openTestWarehouse(undefined, 1500)));
afterAll(() => dispose());

describe('a query that starts late', () => {
  it('is stopped by the engine at the time its turn has left, so none outlives its 504', async () => {
    await warehouse.command('CREATE TABLE slow (n UInt64) ENGINE = MergeTree ORDER BY n');
    // The first holds the engine 0.8 s; the insert, queued with it, starts with ~0.7 s of its 1.5 s left.
    const first = warehouse.query('SELECT sleepEachRow(0.1) FROM numbers(8)');
    const insert = warehouse.query('INSERT INTO slow SELECT number FROM numbers(12) WHERE sleepEachRow(0.1) = 0');
    await first;
    await expect(insert).rejects.toBeInstanceOf(WarehouseTimeout);
    // Stopped, not abandoned to finish in the background: none of its rows ever arrive.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const { rows } = await warehouse.query<{ n: number }>('SELECT count() AS n FROM slow');
    expect(Number(rows[0]!.n)).toBe(0);
  });
});
