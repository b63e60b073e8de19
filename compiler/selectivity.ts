/**
 * How many of the project's users a profile condition is likely to keep, from its shape alone: the
 * compiler is pure and keeps no statistics, so it uses the classic defaults of System R's optimizer
 * (Selinger et al., 1979): a match of one value keeps 1/10, a range 1/3, a negation the rest.
 * The plan only asks whether a condition is clearly selective (see `narrowing` in plan.ts), where
 * a wrong guess costs some speed, never a wrong answer.
 */
import type { PlannedNode } from './normalize.js';
import type { Comparison } from './tree.js';

const ONE_VALUE = 1 / 10;
const RANGE = 1 / 3;
const BETWEEN = 1 / 4;

/** The share of users a profile condition (or a group of them) keeps; undefined for anything else. */
export function selectivity(node: PlannedNode): number | undefined {
  if (node.kind === 'group') {
    const parts: number[] = [];
    for (const condition of node.conditions) {
      const part = selectivity(condition);
      if (part === undefined) return undefined;
      parts.push(part);
    }
    const kept = node.op === 'and' ? parts.reduce((a, b) => a * b, 1) : Math.min(1, parts.reduce((a, b) => a + b, 0));
    return node.negate ? 1 - kept : kept;
  }
  if (node.kind === 'attribute' || node.kind === 'custom_attribute') return keeps(node.comparison);
  return undefined;
}

function keeps(c: Comparison): number {
  switch (c.operator) {
    case 'is': case 'eq': case 'on': case 'includes':
      return ONE_VALUE;
    case 'in': case 'includes_any':
      return Math.min(1, c.value.length * ONE_VALUE);
    case 'includes_all':
      return ONE_VALUE ** c.value.length;
    case 'is_not': case 'neq': case 'excludes':
      return 1 - ONE_VALUE;
    case 'not_in':
      return 1 - Math.min(1, c.value.length * ONE_VALUE);
    case 'gt': case 'gte': case 'lt': case 'lte': case 'before': case 'after': case 'in_last': case 'more_than_ago':
    case 'contains': case 'starts_with': case 'ends_with':
      return RANGE;
    case 'not_contains':
      return 1 - RANGE;
    case 'between':
      return BETWEEN;
    // Whether a value is there at all, or true or false: no telling, so half.
    case 'is_empty': case 'is_not_empty': case 'is_true': case 'is_false':
      return 1 / 2;
    default:
      return unreachable(c);
  }
}

function unreachable(c: never): never {
  throw new Error(`no selectivity for ${JSON.stringify(c)}`);
}
