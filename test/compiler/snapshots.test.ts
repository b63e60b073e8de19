/**
 * Generated SQL is part of the interface: golden files of the pretty SQL for
 * representative trees (the seed's two worked examples included). A change
 * to them is a change a data engineer will see; review it like code.
 */
import { describe, expect, it } from 'vitest';
import { compileAudience, type AudienceQuery, type Strategy } from '../../compiler/index.js';
import { prettySql } from '../../compiler/pretty.js';

const context = (strategy: Strategy = 'single_pass') => ({
  project: 'demo', now: new Date('2026-06-15T12:00:00.000Z'), strategy,
  resolveSegment: (id: string) => (id === 'power_users' ? { op: 'and', conditions: [{ type: 'event', source: 'api', event: 'login', measure: 'distinct_days', operator: 'gte', value: 20 }] } : undefined),
});

const attribute = (attribute: string) => ({ type: 'attribute', attribute, operator: 'is_not_empty' });
const externalEmail = { type: 'custom_attribute', key: 'external_email', operator: 'is_not_empty' };

const TREES: Record<string, { tree: object; query?: AudienceQuery; strategy?: Strategy }> = {
  'seed-example-1': { tree: { op: 'and', conditions: [attribute('name'), attribute('id'), { op: 'or', conditions: [attribute('email'), externalEmail] }] } },
  'seed-example-2': { tree: { op: 'and', conditions: [attribute('id'), { op: 'or', conditions: [attribute('name'), attribute('email'), externalEmail] }] } },
  'behaviour': {
    tree: {
      op: 'and', conditions: [
        { type: 'event', source: 'api', event: 'purchase', where: [{ property: 'plan', operator: 'is', value: 'pro' }], window: { in_last: { amount: 30, unit: 'days' } }, operator: 'gte', value: 3 },
        { type: 'event', source: 'api', event: 'account_deleted', operator: 'eq', value: 0 },
        { op: 'or', conditions: [
          { type: 'answer', experience: 'nps_q1', step: 'score', operator: 'gte', value: 9 },
          { type: 'experience', experience: 'tour_1', interaction: 'completed', within: { amount: 3, unit: 'months' } },
        ] },
        { type: 'custom_attribute', source: 'segmentio', key: 'address.city', operator: 'in', value: ['Paris', 'Lyon'] },
        { type: 'segment', segment: 'power_users', operator: 'not_in' },
      ],
    },
  },
  'behaviour-naive': { tree: {}, strategy: 'naive' },
  // Pro users with 3+ page views and a purchase: the measured set joined to the few users the profile condition keeps.
  'narrowed': {
    tree: {
      op: 'and', conditions: [
        { type: 'custom_attribute', key: 'plan', operator: 'is', value: 'pro' },
        { type: 'event', source: 'jimo', event: 'page_view', operator: 'gte', value: 3 },
        { type: 'event', source: 'api', event: 'purchase' },
      ],
    },
  },
  'users-page': { tree: { op: 'and', conditions: [attribute('email')] }, query: { kind: 'users', sort: { by: 'last_activity_at', order: 'desc' }, limit: 51, after: { missing: false, value: '2026-06-01 10:00:00.000', id: 'u42' } } },
  'filter': { tree: { op: 'and', conditions: [{ type: 'attribute', attribute: 'created_at', operator: 'in_last', value: { amount: 7, unit: 'days' } }] }, query: { kind: 'filter' } },
};
TREES['behaviour-naive']!.tree = TREES.behaviour!.tree;

describe('golden SQL', () => {
  for (const [name, { tree, query, strategy }] of Object.entries(TREES)) {
    it(name, async () => {
      const { sql, params } = compileAudience(tree, context(strategy), query ?? { kind: 'count' });
      await expect(`${prettySql(sql)}\n\n-- params: ${JSON.stringify(params)}\n`).toMatchFileSnapshot(`__snapshots__/${name}.sql`);
    });
  }
});
