/**
 * Projects take turns at the embedded engine (server/warehouse/lanes.ts): the
 * order queries finish in, on the real engine, and through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { FairQueue, inLane } from '../../../server/warehouse/lanes.js';
import { WarehouseTimeout } from '../../../server/warehouse/errors.js';
import type { Warehouse } from '../../../server/warehouse/warehouse.js';
import { openTestWarehouse } from '../../support/warehouse.js';
import { call, KEYS, testApp } from '../../support/api.js';

let warehouse: Warehouse;
let dispose: () => Promise<void>;
beforeAll(async () => ({ warehouse, dispose } = await openTestWarehouse()));
afterAll(() => dispose());

// Long enough that the others are all queued while the first runs.
const HEAVY = 'SELECT sum(number) AS n FROM numbers(300000000)';

describe('turns at the embedded engine', () => {
  it('serves a project that waits before the next query of a project just served', async () => {
    const finished: string[] = [];
    const submit = (lane: string, label: string, sql: string) => {
      let done!: Promise<unknown>;
      inLane(lane, () => { done = warehouse.query(sql).then(() => finished.push(label)); });
      return done;
    };
    await Promise.all([
      submit('p1', 'p1 #1', HEAVY), submit('p1', 'p1 #2', HEAVY), submit('p1', 'p1 #3', HEAVY), submit('p1', 'p1 #4', HEAVY),
      submit('p2', 'p2 #1', 'SELECT 1'), submit('p1', 'p1 #5', 'SELECT 1'), submit('p3', 'p3 #1', 'SELECT 1'),
    ]);
    // First come first served would be p1 #1…#5, then p2, then p3.
    expect(finished).toEqual(['p1 #1', 'p2 #1', 'p3 #1', 'p1 #2', 'p1 #3', 'p1 #4', 'p1 #5']);
  });

  it('answers a turn still waiting when its time limit is up with a 504 then, without running it', async () => {
    const queue = new FairQueue(50);
    let release!: () => void;
    const first = queue.run(() => new Promise<void>((resolve) => { release = resolve; }));
    let ran = false;
    const second = queue.run(async () => { ran = true; });
    // Refused while the first still holds the engine, not once it is done.
    await expect(second).rejects.toBeInstanceOf(WarehouseTimeout);
    release();
    await first;
    expect(ran).toBe(false);
    // The queue goes on, and a turn is told the time it has left.
    expect(await queue.run(async (msLeft) => msLeft)).toBeGreaterThan(40);
  });

  it('puts each request\'s queries in its project\'s lane', async () => {
    let app: FastifyInstance | undefined;
    try {
      app = await testApp(warehouse);
      const finished: string[] = [];
      const count = (key: string, label: string) => call(app!, 'POST', '/v1/audience/count', { conditions: { op: 'and', conditions: [] } }, key).then((r) => {
        expect(r.status).toBe(200);
        finished.push(label);
      });
      // Three queries of the default lane keep the engine busy while both projects' requests queue.
      const busy = [HEAVY, HEAVY, HEAVY].map((sql) => warehouse.query(sql).then(() => finished.push('default')));
      await Promise.all([...busy, count(KEYS.alpha, 'alpha #1'), count(KEYS.alpha, 'alpha #2'), count(KEYS.beta, 'beta')]);
      // The default lane goes first, then alpha, then beta ahead of alpha's second request.
      expect(finished.indexOf('beta')).toBeLessThan(finished.indexOf('alpha #2'));
      expect(finished.indexOf('beta')).toBeLessThan(finished.lastIndexOf('default'));
    } finally {
      await app?.close();
    }
  });
});
