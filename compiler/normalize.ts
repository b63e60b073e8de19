/**
 * Normalization: small pure passes from a validated tree to the one the
 * planner receives. Each returns a new tree and preserves meaning exactly.
 */
import { BOUND_COMPLEMENTS } from './comparisons.js';
import { CompileError } from './errors.js';
import type { Comparison, Condition, Group, Leaf, Node } from './tree.js';
import { validateTree } from './validate.js';

export const MAX_DEPTH = 20;
export const MAX_CONDITIONS = 1000;
/**
 * Event property filters (`where`) in a tree, nested segments expanded: not conditions of SPEC
 * §3.6, so well above what any tree within its limits holds, where the engine itself gives up.
 */
export const MAX_FILTERS = 10_000;

/** A saved segment's condition tree (raw JSON), or undefined when the project has no such segment. */
export type SegmentResolver = (id: string) => unknown | undefined;

/** The tree the planner works on: nested segments expanded, so only leaves and groups. */
export interface PlannedGroup extends Omit<Group, 'conditions'> {
  readonly conditions: readonly PlannedNode[];
}
export type PlannedNode = PlannedGroup | Leaf;

/**
 * `simplify: false` keeps the tree as written (nested segments expanded, empty groups dropped as
 * the spec says): the naive strategy's input, each leaf of the request its own subquery.
 */
export function normalize(tree: Group, resolve: SegmentResolver, simplify = true): PlannedGroup {
  const expanded = expandSegments(tree, resolve);
  if (!simplify) return expanded as PlannedGroup;
  const simplified = pushNegation(dedupe(flatten(expanded)));
  const factored = factorCommon(simplified);
  return foldComparisons(factored === simplified ? simplified : dedupe(flatten(factored))) as PlannedGroup;
}

/**
 * A condition every branch shares comes out of them: (a AND x) OR (a AND y) → a AND (x OR y), and
 * dually (a OR x) AND (a OR y) → a OR (x AND y); a branch that is the shared part alone absorbs
 * the others (a OR (a AND y) → a). Exact, as every condition is true or false. Builders produce
 * such trees ("pro and did X, or pro and did Y"); factored, the branches' behaviour on one table
 * can be read together (see the plan's group sets).
 */
export function factorCommon(node: PlannedNode): PlannedNode {
  if (node.kind !== 'group') return node;
  const conditions = node.conditions.map(factorCommon);
  // Unchanged, the node itself (normalize then skips a second clean-up).
  const group = conditions.every((c, i) => c === node.conditions[i]) ? node : { ...node, conditions };
  if (conditions.length < 2) return group;
  const dual = node.op === 'and' ? 'or' : 'and';
  // Each branch as its terms under the dual operator (any other node is a single term).
  const terms = conditions.map((c) => (c.kind === 'group' && !c.negate && c.op === dual ? c.conditions : [c]));
  // Two single-term branches are different (siblings are deduplicated): nothing is shared.
  if (terms.filter((t) => t.length === 1).length > 1) return group;
  const meanings = terms.map((t) => t.map(meaning));
  const keys = meanings.map((m) => new Set(m));
  const shared = new Set(meanings[0]!.filter((m) => keys.every((k) => k.has(m))));
  if (shared.size === 0) return group;
  const common = terms[0]!.filter((_, i) => shared.has(meanings[0]![i]!));
  const rests = terms.map((t, j) => t.filter((_, i) => !shared.has(meanings[j]![i]!)));
  if (rests.some((r) => r.length === 0)) return { ...node, op: dual, conditions: common };
  const branches = rests.map((r, i) => (r.length === 1 ? r[0]! : { ...(conditions[i] as PlannedGroup), conditions: r }));
  return { ...node, op: dual, conditions: [...common, { ...node, negate: false, conditions: branches }] };
}

/**
 * Sibling comparisons of one field fold into one: under OR, `is a`, `is b`,
 * `in [c]` → `in [a, b, c]` and `gt 3`, `gt 5` → `gt 3`; under AND, `is_not`
 * / `not_in` → one `not_in`, and `gt 3`, `gt 5` → `gt 5` (likewise gte, lt,
 * lte). Each is exact under the typed-matching rules: the folded comparison
 * reads the same type of the same value. Builders produce such lists
 * ("country is US or is FR or …"); the engine then evaluates one predicate.
 */
export function foldComparisons(node: PlannedNode): PlannedNode {
  if (node.kind !== 'group') return node;
  const conditions = node.conditions.map(foldComparisons);
  const folded: PlannedNode[] = [];
  const byField = new Map<string, number>();
  // The values of string comparisons folded into one, gathered in a set and written once at the
  // end: a list rebuilt at every sibling made 1000 `not_in`s of 1000 values take minutes.
  const lists = new Map<number, Set<string>>();
  for (const child of conditions) {
    const key = child.kind === 'attribute' || child.kind === 'custom_attribute' ? foldKey(child, node.op) : undefined;
    const at = key === undefined ? undefined : byField.get(key);
    if (key === undefined || at === undefined) {
      if (key !== undefined) byField.set(key, folded.length);
      folded.push(child);
      continue;
    }
    const into = folded[at] as FoldableLeaf;
    const [x, y] = [into.comparison, (child as FoldableLeaf).comparison];
    if (x.type === 'string' && y.type === 'string') {
      let values = lists.get(at);
      if (!values) lists.set(at, (values = new Set([x.value].flat())));
      for (const value of [y.value].flat()) values.add(value);
    } else {
      folded[at] = tighten(into, child as FoldableLeaf, node.op);
    }
  }
  for (const [at, values] of lists) {
    const leaf = folded[at] as FoldableLeaf;
    folded[at] = { ...leaf, comparison: { type: 'string', operator: node.op === 'or' ? 'in' : 'not_in', value: [...values] } };
  }
  return { ...node, conditions: folded };
}

type FoldableLeaf = Extract<PlannedNode, { kind: 'attribute' | 'custom_attribute' }>;
const LIST_UNDER: Record<'and' | 'or', readonly string[]> = { or: ['is', 'in'], and: ['is_not', 'not_in'] };
const BOUNDS = ['gt', 'gte', 'lt', 'lte'];

/** Which comparisons of a group can fold together: same field, same family of operator. */
function foldKey(leaf: FoldableLeaf, op: 'and' | 'or'): string | undefined {
  const c = leaf.comparison;
  const field = leaf.kind === 'attribute' ? `a:${leaf.attribute}` : `c:${leaf.source}:${leaf.key}`;
  if (c.type === 'string' && LIST_UNDER[op].includes(c.operator)) return `${field}\0list`;
  if (c.type === 'number' && BOUNDS.includes(c.operator)) return `${field}\0${c.operator}`;
  return undefined;
}

/** Two bounds of one field as one: under OR the weaker bound wins, under AND the stronger one. */
function tighten(a: FoldableLeaf, b: FoldableLeaf, op: 'and' | 'or'): FoldableLeaf {
  const x = a.comparison;
  const y = b.comparison;
  if (x.type === 'number' && y.type === 'number' && x.operator !== 'between' && y.operator !== 'between') {
    const lower = x.operator === 'gt' || x.operator === 'gte';
    const keepSmaller = lower === (op === 'or');
    const value = keepSmaller ? Math.min(x.value, y.value) : Math.max(x.value, y.value);
    return { ...a, comparison: { ...x, value } };
  }
  return a;
}

/**
 * Replaces each `segment` condition by that segment's tree as it stands now
 * (negated for `not_in`), and drops empty groups (SPEC §3: ignored), checking
 * the limits of SPEC §3.6 on the result: at most 20 levels of groups and 1000
 * conditions, nested segments included, empty groups not counted. A segment
 * reached again along its own expansion is a cycle (A → B → A, A → A). Each
 * saved tree is validated and cleared of its empty groups once, and expansion
 * stops at the 1001st condition, so segments nesting segments cannot multiply
 * without bound.
 */
export function expandSegments(tree: Node, resolve: SegmentResolver): PlannedGroup {
  const saved = new Map<string, Group>();
  let conditions = 0;
  let filters = 0;
  const counted = (node: Exclude<Node, Group>) => {
    if (++conditions > MAX_CONDITIONS) throw new CompileError('too_complex', `more than ${MAX_CONDITIONS} conditions (nested segments included)`, node.path);
    // Property filters are not conditions of SPEC §3.6, yet each is SQL to read like one: past
    // some 10 000 of them the engine gives up parsing the query.
    if (node.kind === 'event' && (filters += node.where.length) > MAX_FILTERS) {
      throw new CompileError('too_complex', `more than ${MAX_FILTERS} event property filters (where) in all (nested segments included)`, `${node.path}/where`);
    }
  };
  // `origin`: the tree's own segment condition the expansion went through, which a cycle or a
  // reference found deeper, in saved trees, is reported at (the request has no node deeper there).
  const expand = (node: Node, stack: readonly string[], depth: number, origin?: string): PlannedNode => {
    if (node.kind === 'group') {
      if (depth > MAX_DEPTH) throw new CompileError('too_complex', `groups nested deeper than ${MAX_DEPTH} levels (nested segments included)`, node.path);
      return { ...node, conditions: node.conditions.map((c) => expand(c, stack, depth + 1, origin)) };
    }
    if (node.kind !== 'segment') {
      counted(node);
      return node;
    }
    const at = `${origin ?? node.path}/segment`;
    if (stack.includes(node.segment)) {
      throw new CompileError('segment_cycle', `segment ${JSON.stringify(node.segment)} refers to itself through ${[...stack, node.segment].join(' → ')}`, at);
    }
    let nested = saved.get(node.segment);
    if (!nested) {
      const raw = resolve(node.segment);
      if (raw === undefined) throw new CompileError('unknown_segment', `no segment ${JSON.stringify(node.segment)} in this project${stack.length ? ` (reached through ${stack.join(' → ')})` : ''}`, at);
      nested = dropEmpty(validateTree(raw));
      saved.set(node.segment, nested);
    }
    // A saved tree without conditions matches everyone: `in` it is true, `not_in` false.
    if (nested.conditions.length === 0) {
      counted(node);
      return everyoneOrNobody(node.operator === 'in', node.path);
    }
    const inner = expand(relocate(nested, node.path), [...stack, node.segment], depth, origin ?? node.path) as PlannedGroup;
    return node.operator === 'in' ? inner : { ...inner, negate: !inner.negate };
  };
  return expand(dropEmpty(tree), [], 1) as PlannedGroup;
}

/** The nodes of a saved tree, their paths under the condition that refers to it. */
function relocate(group: Group, base: string): Group {
  const move = (node: Node): Node => (node.kind === 'group'
    ? { ...node, path: base + node.path, conditions: node.conditions.map(move) }
    : { ...node, path: base + node.path });
  return move(group) as Group;
}

/**
 * A saved segment without conditions matches every user (SPEC §3): as a
 * nested condition it is "true" (`in`) or "false" (`not_in`) — written as a
 * condition every user has or none has, since an empty group would be dropped.
 */
function everyoneOrNobody(everyone: boolean, path: string): PlannedNode {
  return { kind: 'attribute', path, attribute: 'id', comparison: { type: 'empty', operator: everyone ? 'is_not_empty' : 'is_empty' } };
}

/** An empty group — after removing its empty sub-groups — is ignored, negated or not. The root stays (empty = everyone). */
export function dropEmpty<N extends Node | PlannedNode>(node: N): N {
  if (node.kind !== 'group') return node;
  const conditions = (node.conditions as N[]).map(dropEmpty).filter((c) => c.kind !== 'group' || c.conditions.length > 0);
  const kept = { ...node, conditions };
  // A negated group that became empty would mean "nobody"; the spec ignores it instead.
  return conditions.length === 0 ? { ...kept, negate: false } : kept;
}

/** `a AND (b AND c)` → `a AND b AND c` (the builder's stacked groups); a lone child replaces its plain group. */
export function flatten(node: PlannedNode): PlannedNode {
  if (node.kind !== 'group') return node;
  const conditions: PlannedNode[] = [];
  for (const child of node.conditions.map(flatten)) {
    if (child.kind === 'group' && !child.negate && (child.op === node.op || child.conditions.length === 1)) conditions.push(...child.conditions);
    else conditions.push(child);
  }
  return { ...node, conditions };
}

/** Identical siblings are redundant under both AND and OR. */
export function dedupe(node: PlannedNode): PlannedNode {
  if (node.kind !== 'group') return node;
  const seen = new Set<string>();
  const conditions: PlannedNode[] = [];
  for (const child of node.conditions.map(dedupe)) {
    const key = meaning(child);
    if (!seen.has(key)) {
      seen.add(key);
      conditions.push(child);
    }
  }
  return { ...node, conditions };
}

/** A node's meaning, without where it came from. */
export function meaning(node: PlannedNode): string {
  return JSON.stringify(node, (k, v) => (k === 'path' ? undefined : v));
}

/**
 * De Morgan: NOT (a AND b) → (NOT a) OR (NOT b), when every condition below
 * has an exact complement operator, so the negation disappears into the
 * leaves (`is` ↔ `is_not`, `seen` ↔ `not_seen`, `count gte 1` ↔ `count lt 1`…)
 * and each leaf can be planned on its own.
 */
export function pushNegation(node: PlannedNode): PlannedNode {
  if (node.kind !== 'group') return node;
  const conditions = node.conditions.map(pushNegation);
  if (node.negate && conditions.length > 0 && conditions.every(complementable)) {
    return { ...node, negate: false, op: node.op === 'and' ? 'or' : 'and', conditions: conditions.map(complement) };
  }
  return { ...node, conditions };
}

const STRING_COMPLEMENTS = { is: 'is_not', is_not: 'is', contains: 'not_contains', not_contains: 'contains', in: 'not_in', not_in: 'in' } as const;
const LIST_COMPLEMENTS = { includes: 'excludes', excludes: 'includes' } as const;
const EMPTY_COMPLEMENTS = { is_empty: 'is_not_empty', is_not_empty: 'is_empty' } as const;
const NUMBER_COMPLEMENTS = { eq: 'neq', neq: 'eq' } as const;
/** For measures that are never missing (count, distinct_days, sum) every comparison has a complement. */
const MEASURE_COMPLEMENTS = { eq: 'neq', neq: 'eq', ...BOUND_COMPLEMENTS } as const;
const INTERACTION_COMPLEMENTS = {
  seen: 'not_seen', not_seen: 'seen', completed: 'not_completed', not_completed: 'completed', dismissed: 'not_dismissed', not_dismissed: 'dismissed',
} as const;

function complementOf(c: Comparison, measureNeverMissing = false): Comparison | undefined {
  const op = c.operator as string;
  if (c.type === 'string' && op in STRING_COMPLEMENTS) return { ...c, operator: STRING_COMPLEMENTS[op as keyof typeof STRING_COMPLEMENTS] } as Comparison;
  if (c.type === 'list' && op in LIST_COMPLEMENTS) return { ...c, operator: LIST_COMPLEMENTS[op as keyof typeof LIST_COMPLEMENTS] } as Comparison;
  if (c.type === 'empty') return { ...c, operator: EMPTY_COMPLEMENTS[c.operator] };
  if (c.type === 'number' && c.operator !== 'between') {
    const table: Record<string, string> = measureNeverMissing ? MEASURE_COMPLEMENTS : NUMBER_COMPLEMENTS;
    if (op in table) return { ...c, operator: table[op] } as Comparison;
  }
  return undefined;
}

function complementable(node: PlannedNode): boolean {
  return node.kind === 'group' ? !node.negate && node.conditions.every(complementable) : complementLeaf(node) !== undefined;
}

function complement(node: PlannedNode): PlannedNode {
  if (node.kind === 'group') return { ...node, op: node.op === 'and' ? 'or' : 'and', conditions: node.conditions.map(complement) };
  return complementLeaf(node)!;
}

function complementLeaf(leaf: Leaf): Leaf | undefined {
  switch (leaf.kind) {
    case 'attribute':
    case 'custom_attribute': {
      const comparison = complementOf(leaf.comparison);
      return comparison && { ...leaf, comparison };
    }
    case 'event': {
      const neverMissing = leaf.measure.kind === 'count' || leaf.measure.kind === 'distinct_days' || leaf.measure.kind === 'sum';
      const comparison = neverMissing ? complementOf(leaf.comparison, true) : undefined;
      return comparison && { ...leaf, comparison };
    }
    case 'experience':
      return { ...leaf, interaction: INTERACTION_COMPLEMENTS[leaf.interaction] };
    case 'answer':
      if (leaf.answer.operator === 'compare') return undefined;
      return { ...leaf, answer: { operator: leaf.answer.operator === 'answered' ? 'not_answered' : 'answered' } };
  }
}

export type { Condition };
