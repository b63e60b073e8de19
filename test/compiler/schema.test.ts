/** The published JSON Schema of the tree agrees with the compiler's validator on what is a tree. */
import fc from 'fast-check';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { conditionTreeSchema } from '../../compiler/schema.js';
import { validateTree } from '../../compiler/validate.js';
import { tree } from '../support/generators.js';
import { testApp } from '../support/api.js';
import { openTestWarehouse } from '../support/warehouse.js';

const validate = new Ajv({ strict: false }).compile(conditionTreeSchema);

describe('the condition tree JSON Schema', () => {
  it('accepts every tree the compiler accepts', () => {
    fc.assert(fc.property(tree, (t) => {
      validateTree(t);
      expect(validate(t), JSON.stringify(validate.errors)).toBe(true);
    }), { numRuns: 500 });
    // Builders' own fields on their nodes, which both leave alone.
    const withIds = { op: 'and', id: 'g', open: true, conditions: [
      { type: 'attribute', attribute: 'name', operator: 'is_empty', id: 'c', key: 'row', valid: true },
      { type: 'segment', segment: 's', operator: 'in', segmentId: 's' },
    ] };
    validateTree(withIds);
    expect(validate(withIds), JSON.stringify(validate.errors)).toBe(true);
  });

  it('refuses what is plainly not a tree', () => {
    for (const bad of [
      { op: 'xor' },
      { op: 'and', conditions: [{ type: 'nope' }] },
      { op: 'and', conditions: [{ type: 'attribute', attribute: 'age', operator: 'is', value: 'x' }] },
      { op: 'and', conditions: [{ type: 'event', source: 'mixpanel', event: 'e' }] },
      { op: 'and', conditions: [{ type: 'segment', segment: 's', operator: 'maybe' }] },
      // Fields of the language where they mean nothing: refused by both, not ignored.
      { op: 'and', operator: 'is', conditions: [] },
      { op: 'and', conditions: [{ type: 'experience', experience: 'e', interaction: 'seen', window: { in_last: { amount: 1, unit: 'days' } } }] },
      { op: 'and', conditions: [{ type: 'event', source: 'api', event: 'e', within: { amount: 1, unit: 'days' } }] },
      { op: 'and', conditions: [{ type: 'event', source: 'api', event: 'e', where: [{ property: 'p', operator: 'whatever', value: 'x' }] }] },
      { op: 'and', conditions: [{ type: 'event', source: 'api', event: 'e', window: { during: '2026-01-01' } }] },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
      expect(() => validateTree(bad)).toThrow();
    }
  });

  it('is published in the OpenAPI document, referenced by the audience routes', async () => {
    const { warehouse, dispose } = await openTestWarehouse();
    const app = await testApp(warehouse);
    const doc = JSON.parse((await app.inject({ method: 'GET', url: '/docs/json' })).body);
    expect(JSON.stringify(doc.paths['/v1/audience/count'])).toContain('ConditionTree');
    expect(JSON.stringify(doc.components.schemas)).toContain('custom_attribute');
    await app.close();
    await dispose();
  });
});
