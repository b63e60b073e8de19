/**
 * Security by construction: for every condition type, no value or key ever
 * enters the SQL text (parameters only), and every table the SQL reads is
 * filtered by the project — on both plan strategies and every query kind.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAudience, STRATEGIES, type AudienceQuery } from '../../compiler/index.js';
import { leaf, tree } from '../support/generators.js';

const SENTINEL = "Zq'x\"`{}%_\\"; // quotes, braces, wildcards: none may reach the SQL text
const PROJECT = 'proj_scope';
const NOW = new Date('2026-06-15T12:00:00.000Z');

const everyType: object[] = [
  { type: 'attribute', attribute: 'name', operator: 'is', value: SENTINEL },
  { type: 'attribute', attribute: 'tags', operator: 'includes_any', value: [SENTINEL] },
  { type: 'custom_attribute', key: SENTINEL, operator: 'contains', value: SENTINEL },
  { type: 'custom_attribute', source: 'segmentio', key: SENTINEL, operator: 'in', value: [SENTINEL] },
  { type: 'custom_attribute', key: SENTINEL, operator: 'includes', value: SENTINEL },
  {
    type: 'event', source: 'api', event: SENTINEL, where: [{ property: SENTINEL, operator: 'starts_with', value: SENTINEL }],
    window: { in_last: { amount: 3, unit: 'days' } }, measure: { sum: SENTINEL }, operator: 'gt', value: 1,
  },
  { type: 'event', source: 'jimo', event: SENTINEL, measure: 'first_time', operator: 'before', value: '2026-01-01' },
  { type: 'experience', experience: SENTINEL, interaction: 'not_seen', within: { amount: 1, unit: 'months' } },
  { type: 'answer', experience: SENTINEL, step: SENTINEL, operator: 'is_not', value: SENTINEL },
  { type: 'answer', experience: SENTINEL, step: SENTINEL, operator: 'answered' },
  { type: 'segment', segment: SENTINEL, operator: 'not_in' },
];
const nested = { op: 'and', conditions: [{ type: 'custom_attribute', key: SENTINEL, operator: 'is_empty' }] };
const QUERIES: AudienceQuery[] = [
  { kind: 'count' }, { kind: 'filter' },
  { kind: 'users', sort: { by: 'name', order: 'desc' }, limit: 10, after: { missing: false, value: SENTINEL, id: SENTINEL } },
];

function compile(conditions: object, strategy: (typeof STRATEGIES)[number], query: AudienceQuery) {
  return compileAudience({ op: 'or', conditions: [conditions] }, { project: PROJECT, now: NOW, strategy, resolveSegment: (id) => (id === SENTINEL ? nested : undefined) }, query);
}

/** Each read of a table, and the filter that follows it. */
function scans(sql: string): Array<{ table: string; where: string }> {
  const found: Array<{ table: string; where: string }> = [];
  for (const match of sql.matchAll(/FROM (users|events|interactions|answers|segments)\b/g)) {
    const rest = sql.slice(match.index);
    const where = rest.slice(rest.indexOf('WHERE'), rest.indexOf('WHERE') + 40);
    found.push({ table: match[1]!, where });
  }
  return found;
}

function expectScoped(sql: string, params: Record<string, unknown>) {
  const found = scans(sql);
  expect(found.length).toBeGreaterThan(0);
  for (const { where } of found) {
    const placeholder = /^WHERE (?:u\.)?project = \{(p\d+):String\}/.exec(where);
    expect(placeholder, `${where}\nin\n${sql}`).not.toBeNull();
    expect(params[placeholder![1]!]).toBe(PROJECT);
  }
}

describe('generated SQL', () => {
  it('binds a key as an Identifier, but one with a quote, a backslash or a control character as a String (which every client and binding unescapes)', () => {
    const sqlFor = (key: string) => compile({ type: 'custom_attribute', key, operator: 'is', value: 'x' }, 'single_pass', { kind: 'count' }).sql;
    expect(sqlFor('plan')).toMatch(/\{p\d+:Identifier\}/);
    for (const key of ["o'neil", 'a\\b', 'tab\t']) {
      expect(sqlFor(key), key).toMatch(/getSubcolumn\([^)]*\{p\d+:String\}\)/);
      expect(sqlFor(key), key).not.toMatch(/Identifier/);
    }
  });

  for (const condition of everyType) {
    const name = `${(condition as { type: string }).type} (${JSON.stringify(condition).slice(0, 60)}…)`;
    it(`keeps every value and key of a ${name} out of the SQL text, and scopes every scan to the project`, () => {
      for (const strategy of STRATEGIES) {
        for (const query of QUERIES) {
          const { sql, params } = compile(condition, strategy, query);
          for (const part of ['Zq', 'x"', '{}', '%_']) expect(sql).not.toContain(part);
          expect(JSON.stringify(params)).toContain('Zq');
          expectScoped(sql, params);
        }
      }
    });
  }

  it('holds for random trees of every condition type', () => {
    fc.assert(fc.property(fc.oneof(tree, leaf), (conditions) => {
      for (const strategy of STRATEGIES) {
        const { sql, params } = compile(conditions, strategy, { kind: 'count' });
        expectScoped(sql, params);
        for (const value of Object.values(params)) {
          if (typeof value === 'string' && value.length > 3 && value !== PROJECT && !/^\d{4}-\d{2}-\d{2} /.test(value)) {
            expect(sql.includes(`'${value}'`), value).toBe(false);
          }
        }
      }
    }), { numRuns: 300 });
  });
});
