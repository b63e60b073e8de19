/** Each normalization pass on its own: pure functions from tree to tree, meaning preserved. */
import { describe, expect, it } from 'vitest';
import { dedupe, dropEmpty, expandSegments, factorCommon, flatten, foldComparisons, meaning, normalize, pushNegation, type PlannedGroup, type PlannedNode } from '../../compiler/normalize.js';
import { validateTree } from '../../compiler/validate.js';
import { CompileError } from '../../compiler/errors.js';

const leaf = (value: string, operator = 'is') => ({ type: 'attribute', attribute: 'name', operator, value });
const tree = (json: object) => validateTree(json) as PlannedGroup;
const shape = (node: PlannedNode): unknown => (node.kind === 'group'
  ? { op: node.op, ...(node.negate ? { negate: true } : {}), conditions: node.conditions.map(shape) }
  : node.kind === 'attribute' ? `${node.comparison.operator} ${'value' in node.comparison ? node.comparison.value : ''}` : node.kind);

describe('dropEmpty', () => {
  it('removes empty groups, recursively, negated ones included; an empty root stays', () => {
    const t = tree({ op: 'and', conditions: [{ op: 'or', conditions: [{ op: 'and', conditions: [] }] }, { op: 'or', negate: true, conditions: [] }, leaf('a')] });
    expect(shape(dropEmpty(t))).toEqual({ op: 'and', conditions: ['is a'] });
    expect(shape(dropEmpty(tree({ op: 'or', negate: true, conditions: [{ op: 'and', conditions: [] }] })))).toEqual({ op: 'or', conditions: [] });
  });
});

describe('flatten', () => {
  it('merges stacked groups of the same operator and lone children, never a negated group', () => {
    const t = tree({ op: 'or', conditions: [{ op: 'or', conditions: [leaf('a'), { op: 'or', conditions: [leaf('b')] }] }, { op: 'and', conditions: [leaf('c')] }, { op: 'or', negate: true, conditions: [leaf('d')] }] });
    expect(shape(flatten(t))).toEqual({ op: 'or', conditions: ['is a', 'is b', 'is c', { op: 'or', negate: true, conditions: ['is d'] }] });
  });
});

describe('dedupe', () => {
  it('drops identical siblings, wherever they came from', () => {
    expect(shape(dedupe(tree({ op: 'and', conditions: [leaf('a'), leaf('b'), leaf('a')] })))).toEqual({ op: 'and', conditions: ['is a', 'is b'] });
    expect(meaning(tree({ op: 'and', conditions: [leaf('a')] }).conditions[0]!)).not.toContain('/conditions');
  });
});

describe('factorCommon', () => {
  const and = (...conditions: object[]) => ({ op: 'and', conditions });
  const or = (...conditions: object[]) => ({ op: 'or', conditions });
  it('takes a condition every branch shares out of them, under OR and dually under AND', () => {
    expect(shape(factorCommon(tree(or(and(leaf('a'), leaf('x')), and(leaf('y'), leaf('a'))))))).toEqual({ op: 'and', conditions: ['is a', { op: 'or', conditions: ['is x', 'is y'] }] });
    expect(shape(factorCommon(tree(and(or(leaf('a'), leaf('x'), leaf('z')), or(leaf('a'), leaf('y'))))))).toEqual({ op: 'or', conditions: ['is a', { op: 'and', conditions: [{ op: 'or', conditions: ['is x', 'is z'] }, 'is y'] }] });
  });
  it('lets a branch that is the shared part alone absorb the others; keeps a negation on the whole', () => {
    expect(shape(factorCommon(tree(or(leaf('a'), and(leaf('a'), leaf('y'))))))).toEqual({ op: 'and', conditions: ['is a'] });
    expect(shape(factorCommon(tree({ ...or(and(leaf('a'), leaf('x')), and(leaf('a'), leaf('y'))), negate: true })))).toEqual({ op: 'and', negate: true, conditions: ['is a', { op: 'or', conditions: ['is x', 'is y'] }] });
  });
  it('leaves groups without a shared condition, and negated branches, as they are', () => {
    const t = tree(or(and(leaf('a'), leaf('x')), { ...and(leaf('a'), leaf('y')), negate: true }));
    expect(shape(factorCommon(t))).toEqual(shape(t));
  });
});

describe('pushNegation (De Morgan)', () => {
  it('pushes a negation into leaves that have exact complements', () => {
    const t = tree({ op: 'and', negate: true, conditions: [leaf('a'), leaf('b', 'contains'), { type: 'experience', experience: 't', interaction: 'seen' }] });
    const pushed = pushNegation(t) as PlannedGroup;
    expect(shape(pushed)).toEqual({ op: 'or', conditions: ['is_not a', 'not_contains b', 'experience'] });
    expect((pushed.conditions[2] as { interaction: string }).interaction).toBe('not_seen');
  });

  it('leaves the negation where a leaf has no complement operator (gt on a value that may be missing)', () => {
    const t = tree({ op: 'and', negate: true, conditions: [leaf('a'), { type: 'attribute', attribute: 'sessions', operator: 'gt', value: 1 }] });
    expect(pushNegation(t)).toEqual(t);
  });

  it('complements never-missing measures (count gte 1 → count lt 1) but not missing ones (avg)', () => {
    const count = tree({ op: 'and', negate: true, conditions: [{ type: 'event', source: 'api', event: 'e', operator: 'gte', value: 1 }] });
    expect((pushNegation(count) as PlannedGroup).conditions[0]).toMatchObject({ comparison: { operator: 'lt', value: 1 } });
    const avg = tree({ op: 'and', negate: true, conditions: [{ type: 'event', source: 'api', event: 'e', measure: { avg: 'x' }, operator: 'gte', value: 1 }] });
    expect(pushNegation(avg)).toEqual(avg);
  });
});

describe('expandSegments', () => {
  const saved: Record<string, object> = {
    a: { op: 'and', conditions: [leaf('in a')] },
    b: { op: 'or', conditions: [{ type: 'segment', segment: 'a', operator: 'not_in' }, leaf('in b')] },
    loop1: { op: 'and', conditions: [{ type: 'segment', segment: 'loop2', operator: 'in' }] },
    loop2: { op: 'and', conditions: [{ type: 'segment', segment: 'loop1', operator: 'in' }] },
  };
  const resolve = (id: string) => saved[id];

  it('inlines the saved tree, negated for not_in, recursively', () => {
    const t = tree({ op: 'and', conditions: [{ type: 'segment', segment: 'b', operator: 'in' }] });
    expect(shape(expandSegments(t, resolve))).toEqual({ op: 'and', conditions: [{ op: 'or', conditions: [{ op: 'and', negate: true, conditions: ['is in a'] }, 'is in b'] }] });
  });

  it('refuses unknown segments and cycles with 422 and the path of the reference', () => {
    const unknown = () => expandSegments(tree({ op: 'and', conditions: [leaf('x'), { type: 'segment', segment: 'zz', operator: 'in' }] }), resolve);
    expect(unknown).toThrow(expect.objectContaining({ code: 'unknown_segment', status: 422, path: '/conditions/1/segment' }));
    const cycle = () => expandSegments(tree({ op: 'and', conditions: [{ type: 'segment', segment: 'loop1', operator: 'in' }] }), resolve);
    // Found in the saved trees, reported at the request's own reference it was reached through.
    expect(cycle).toThrow(expect.objectContaining({ code: 'segment_cycle', status: 422, path: '/conditions/0/segment' }));
    const deep = () => expandSegments(tree({ op: 'and', conditions: [leaf('x'), { type: 'segment', segment: 'gone_inside', operator: 'in' }] }), (id) => (id === 'gone_inside' ? { op: 'or', conditions: [leaf('y'), { type: 'segment', segment: 'zz', operator: 'in' }] } : undefined));
    expect(deep).toThrow(expect.objectContaining({ code: 'unknown_segment', path: '/conditions/1/segment', message: expect.stringContaining('reached through gone_inside') }));
  });
});

describe('expandSegments: limits and empty segments', () => {
  it('a saved segment without conditions is everyone when nested with in, nobody with not_in', () => {
    const empty = () => ({ op: 'and', conditions: [{ op: 'or', conditions: [] }] });
    const inAll = normalize(tree({ op: 'or', conditions: [{ type: 'segment', segment: 'all', operator: 'in' }, leaf('x')] }), empty);
    expect(inAll.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ attribute: 'id', comparison: { type: 'empty', operator: 'is_not_empty' } })]));
    const notIn = normalize(tree({ op: 'and', conditions: [{ type: 'segment', segment: 'all', operator: 'not_in' }] }), empty);
    expect(notIn.conditions).toEqual([expect.objectContaining({ attribute: 'id', comparison: { type: 'empty', operator: 'is_empty' } })]);
  });

  it('stops expanding segments that nest segments a thousand times over, quickly', () => {
    const saved: Record<string, object> = {
      s0: { op: 'and', conditions: [] },
      s1: { op: 'or', conditions: Array.from({ length: 1000 }, () => ({ type: 'segment', segment: 's0', operator: 'in' })) },
      s2: { op: 'or', conditions: Array.from({ length: 1000 }, () => ({ type: 'segment', segment: 's1', operator: 'in' })) },
    };
    const started = Date.now();
    expect(() => normalize(tree({ op: 'or', conditions: Array.from({ length: 10 }, () => ({ type: 'segment', segment: 's2', operator: 'in' })) }), (id) => saved[id]))
      .toThrow(expect.objectContaining({ code: 'too_complex' }));
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('SPEC §3.6 limits, after expansion', () => {
  const nobody = () => undefined;
  const wrapped = (node: object, groups: number) => {
    for (let i = 0; i < groups; i++) node = { op: 'and', conditions: [node] };
    return node;
  };

  it('counts conditions and depth after expansion', () => {
    const many = { op: 'and', conditions: Array.from({ length: 600 }, (_, i) => leaf(`v${i}`)) };
    const twice = tree({ op: 'or', conditions: [{ type: 'segment', segment: 's', operator: 'in' }, { type: 'segment', segment: 's', operator: 'not_in' }] });
    expect(() => normalize(twice, () => many)).toThrow(CompileError);
    expect(() => normalize(tree(many), nobody)).not.toThrow();
    const deepSaved = wrapped(leaf('x'), 15);
    // The saved tree's 15 groups start at the depth of the condition naming it.
    expect(() => normalize(tree(wrapped({ type: 'segment', segment: 'd', operator: 'in' }, 5)), () => deepSaved)).not.toThrow();
    expect(() => normalize(tree(wrapped({ type: 'segment', segment: 'd', operator: 'in' }, 6)), () => deepSaved)).toThrow(expect.objectContaining({ code: 'too_complex' }));
  });

  it('counts conditions, not groups: 1000 conditions each in 9 groups of its own fit', () => {
    const fits = { op: 'or', conditions: Array.from({ length: 1000 }, (_, i) => wrapped(leaf(`v${i}`), 9)) };
    expect(() => normalize(tree(fits), nobody)).not.toThrow();
    expect(() => normalize(tree({ ...fits, conditions: [...fits.conditions, leaf('one more')] }), nobody)).toThrow(expect.objectContaining({ code: 'too_complex' }));
  });

  it('ignores empty groups (SPEC §3), however many and however deep', () => {
    const empties = Array.from({ length: 10_000 }, () => ({ op: 'and', conditions: [] }));
    expect(shape(normalize(tree({ op: 'and', conditions: [leaf('x'), ...empties] }), nobody))).toEqual({ op: 'and', conditions: ['is x'] });
    expect(() => normalize(tree({ op: 'and', conditions: [leaf('x'), wrapped({ op: 'or', conditions: [] }, 30)] }), nobody)).not.toThrow();
    // As written, a tree is bounded all the same: it is read again on every evaluation.
    expect(() => tree({ op: 'and', conditions: [leaf('x'), ...Array.from({ length: 25_000 }, () => ({ op: 'and', conditions: [] }))] })).toThrow(expect.objectContaining({ code: 'too_complex' }));
    expect(() => tree(wrapped(leaf('x'), 65))).toThrow(expect.objectContaining({ code: 'too_complex' }));
    expect(() => normalize(tree(wrapped(leaf('x'), 21)), nobody)).toThrow(expect.objectContaining({ code: 'too_complex' }));
    expect(() => normalize(tree(wrapped(leaf('x'), 20)), nobody)).not.toThrow();
  });
});

describe('foldComparisons', () => {
  const custom = (operator: string, value: unknown, key = 'country') => ({ type: 'custom_attribute', key, operator, value });
  it('folds is / in of one field under OR into one in, and is_not / not_in under AND into one not_in', () => {
    const or = foldComparisons(tree({ op: 'or', conditions: [custom('is', 'US'), custom('is', 'FR'), custom('in', ['DE', 'US']), custom('is', 'x', 'other')] })) as PlannedGroup;
    expect(or.conditions.map((c) => (c as { comparison: unknown }).comparison)).toEqual([
      { type: 'string', operator: 'in', value: ['US', 'FR', 'DE'] }, { type: 'string', operator: 'is', value: 'x' },
    ]);
    const and = foldComparisons(tree({ op: 'and', conditions: [custom('is_not', 'US'), custom('not_in', ['FR'])] })) as PlannedGroup;
    expect(and.conditions.map((c) => (c as { comparison: unknown }).comparison)).toEqual([{ type: 'string', operator: 'not_in', value: ['US', 'FR'] }]);
  });

  it('keeps the weaker bound under OR and the stronger under AND; never folds across operators or fields', () => {
    const or = foldComparisons(tree({ op: 'or', conditions: [custom('gt', 5, 'n'), custom('gt', 3, 'n'), custom('lt', 1, 'n'), custom('lt', 4, 'n'), custom('gte', 2, 'n')] })) as PlannedGroup;
    expect(or.conditions.map((c) => (c as { comparison: { operator: string; value: number } }).comparison)).toEqual([
      { type: 'number', operator: 'gt', value: 3 }, { type: 'number', operator: 'lt', value: 4 }, { type: 'number', operator: 'gte', value: 2 },
    ]);
    const and = foldComparisons(tree({ op: 'and', conditions: [custom('gt', 5, 'n'), custom('gt', 3, 'n'), { type: 'attribute', attribute: 'sessions', operator: 'gt', value: 9 }] })) as PlannedGroup;
    expect(and.conditions.map((c) => (c as { comparison: { value: number } }).comparison.value)).toEqual([5, 9]);
    const mixed = foldComparisons(tree({ op: 'or', conditions: [custom('is', 'US'), custom('is_not', 'FR')] })) as PlannedGroup;
    expect(mixed.conditions).toHaveLength(2);
  });
});
