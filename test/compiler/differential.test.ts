/**
 * The differential property test: random data with nasty values and random
 * trees; the compiled SQL, run on the embedded engine, must select exactly
 * the users the in-memory evaluator (test/support/evaluator.ts, written from
 * the spec alone) selects — for both plan strategies. fast-check shrinks a
 * failure to a minimal tree.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAudience, compileCounts, compileMembership, prepare, STRATEGIES } from '../../compiler/index.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { evaluate } from '../support/evaluator.js';
import { dataset, narrowable, NOW, savedSegments, treeWithSegments, type GeneratedData } from '../support/generators.js';
import { openTestWarehouse } from '../support/warehouse.js';
import { ingest } from '../support/ingest.js';

const DATASETS = Number(process.env.DIFFERENTIAL_DATASETS ?? 8);
const TREES = Number(process.env.DIFFERENTIAL_TREES ?? 250);

let warehouse: Warehouse;
let dispose: () => Promise<void>;
beforeAll(async () => ({ warehouse, dispose } = await openTestWarehouse()));
afterAll(() => dispose());

/** Trees whose plan merged the sets of several conditions into one (compiler/plan.ts, `parts`): its comment names them all. */
let merged = 0;
/** Trees whose plan put a set inside another (`… AND user_key NOT IN (…)`): seen but not completed, a first time in a range. */
let nested = 0;

async function members(project: string, conditions: object, segments: Record<string, object>, strategy: (typeof STRATEGIES)[number]): Promise<string[]> {
  const { sql, params } = compileAudience(conditions, { project, now: new Date(NOW), resolveSegment: (id) => segments[id], strategy }, { kind: 'filter' });
  if (/\/\* [^*]*, \//.test(sql)) merged++;
  if (/AND user_key NOT IN \(/.test(sql)) nested++;
  const { rows } = await warehouse.query<{ user_id: string }>(sql, params);
  return rows.map((r) => r.user_id).sort();
}

describe('differential: compiled SQL on the engine ≡ the evaluator written from the spec', () => {
  const samples = fc.sample(fc.tuple(dataset, savedSegments), DATASETS) as Array<[GeneratedData, Record<string, object>]>;
  samples.forEach(([data, segments], i) => {
    it(`dataset ${i}: ${data.users.length} users, ${data.events.length} events, ${data.interactions.length} interactions, ${data.answers.length} answers`, async () => {
      const project = `diff${i}`;
      await ingest(warehouse, project, data);
      merged = 0;
      nested = 0;
      await fc.assert(fc.asyncProperty(treeWithSegments, async (conditions) => {
        const expected = [...evaluate(conditions, data, Date.parse(NOW), segments)].sort();
        for (const strategy of STRATEGIES) {
          expect(await members(project, conditions, segments, strategy), `${strategy}: ${JSON.stringify(conditions)}\nsegments: ${JSON.stringify(segments)}`).toEqual(expected);
        }
      }), { numRuns: TREES, endOnFailure: false });
      expect(merged).toBeGreaterThan(0);
      expect(nested).toBeGreaterThan(0);

      // Profile conditions that keep few users, ANDed with behaviour: the plan joins a set to those
      // users (compiler/plan.ts, narrowing). Random trees seldom have that shape; these always could.
      let narrowed = 0;
      await fc.assert(fc.asyncProperty(narrowable, async (conditions) => {
        const expected = [...evaluate(conditions, data, Date.parse(NOW), segments)].sort();
        const context = { project, now: new Date(NOW), resolveSegment: (id: string) => segments[id] };
        const count = compileAudience(conditions, context, { kind: 'count' });
        if (count.sql.includes('RIGHT SEMI JOIN')) narrowed++;
        const [row] = (await warehouse.query<{ count: string | number }>(count.sql, count.params)).rows;
        expect(Number(row!.count), JSON.stringify(conditions)).toBe(expected.length);
        expect(await members(project, conditions, segments, 'single_pass'), JSON.stringify(conditions)).toEqual(expected);
      }), { numRuns: Math.ceil(TREES / 5), endOnFailure: false });
      expect(narrowed).toBeGreaterThan(0);

      // A dashboard's batch and one user's memberships plan several trees together (shared passes,
      // sets built once): each tree must still select what it selects alone. A tree that narrows is
      // counted apart, and a batch of one tree is planned as that tree alone.
      const ids = data.users.map((u) => u.id);
      let apart = 0;
      await fc.assert(fc.asyncProperty(fc.array(fc.oneof(treeWithSegments, narrowable), { minLength: 1, maxLength: 4 }), fc.constantFrom(...ids, 'ghost', 'gone1', 'gone2'), async (trees, userId) => {
        const context = { project, now: new Date(NOW) };
        const planned = trees.map((t) => prepare(t, (id) => segments[id]));
        const expected = trees.map((t) => evaluate(t, data, Date.parse(NOW), segments));
        const counts = compileCounts(planned, context);
        if (trees.length > 1 && counts.sql.includes('RIGHT SEMI JOIN')) apart++;
        const [row] = (await warehouse.query<Record<string, string | number>>(counts.sql, counts.params)).rows;
        expect(trees.map((_, j) => Number(row![`s${j}`])), JSON.stringify(trees)).toEqual(expected.map((e) => e.size));
        const membership = compileMembership(planned, userId, context);
        const { rows } = await warehouse.query<Record<string, string | number>>(membership.sql, membership.params);
        const exists = ids.includes(userId);
        expect(rows.length, userId).toBe(exists ? 1 : 0);
        if (exists) expect(trees.map((_, j) => Number(rows[0]![`s${j}`]) === 1), `${userId}: ${JSON.stringify(trees)}`).toEqual(expected.map((e) => e.has(userId)));
      }), { numRuns: Math.ceil(TREES / 5), endOnFailure: false });
      // Some batches held a narrowed tree, counted apart beside the shared scan.
      expect(apart).toBeGreaterThan(0);
    }, 600_000);
  });
});
