/**
 * The builder's model (ui/src/tree.ts): the edits the builder offers, and the
 * seed's two worked examples built and restructured with them.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../../ui/src/tree.js';

const attr = (attribute: string) => ({ type: 'attribute', attribute, operator: 'is_not_empty' });
const custom = (key: string) => ({ type: 'custom_attribute', key, operator: 'is_not_empty' });

/** Name AND Id AND (Email OR external_email), built as a person does in the builder. */
function example1() {
  let root = T.emptyRoot();
  root = T.addRule(root, root.id, attr('name')).root;
  root = T.addRule(root, root.id, attr('id')).root;
  const added = T.addGroup(root, root.id, attr('email'));
  root = T.addRule(added.root, added.id, custom('external_email')).root;
  return { root, group: added.id };
}

describe('condition builder model', () => {
  it('example 1: Name AND Id AND (Email OR external_email); a new group takes the other connector', () => {
    expect(T.toConditions(example1().root)).toEqual({
      op: 'and',
      conditions: [attr('name'), attr('id'), { op: 'or', conditions: [attr('email'), custom('external_email')] }],
    });
  });

  it('example 2: restructured to Id AND (Name OR Email OR external_email) with the X and Add… in the group', () => {
    let { root, group } = example1();
    const name = root.children[0]!;
    root = T.remove(root, name.id);
    root = T.addRule(root, group, attr('name')).root;
    expect(T.toConditions(root)).toEqual({
      op: 'and',
      conditions: [attr('id'), { op: 'or', conditions: [attr('email'), custom('external_email'), attr('name')] }],
    });
  });

  it('switches one group\'s connector, leaving the others', () => {
    const { root, group } = example1();
    const switched = T.toConditions(T.setOp(root, group, 'and'));
    expect(switched.op).toBe('and');
    expect((switched.conditions[2] as { op: string }).op).toBe('and');
    expect(T.toConditions(T.setOp(root, root.id, 'or')).op).toBe('or');
  });

  it('nests a group into a sub-group and flattens it back', () => {
    const { root, group } = example1();
    const nested = T.nest(root, group);
    const inner = (T.find(nested, group) as T.Group).children[0] as T.Group;
    expect(T.toConditions(nested).conditions[2]).toEqual({ op: 'and', conditions: [{ op: 'or', conditions: [attr('email'), custom('external_email')] }] });
    expect(T.toConditions(T.flatten(nested, inner.id))).toEqual(T.toConditions(root));
  });

  it('flattening a group moves its conditions into the parent, in place; a negated group stays', () => {
    const { root, group } = example1();
    expect(T.toConditions(T.flatten(root, group)).conditions).toEqual([attr('name'), attr('id'), attr('email'), custom('external_email')]);
    const negated = T.setNegate(root, group, true);
    expect(T.toConditions(T.flatten(negated, group))).toEqual(T.toConditions(negated));
  });

  it('deleting a group, or its last condition, removes it; the root stays', () => {
    const { root, group } = example1();
    expect(T.toConditions(T.remove(root, group)).conditions).toEqual([attr('name'), attr('id')]);
    const g = T.find(root, group) as T.Group;
    let emptied = T.remove(root, g.children[0]!.id);
    emptied = T.remove(emptied, g.children[1]!.id);
    expect(T.find(emptied, group)).toBeUndefined();
    let all = root;
    for (const c of [...root.children]) all = T.remove(all, c.id);
    expect(T.toConditions(all)).toEqual({ op: 'and', conditions: [] });
  });

  it('round-trips a saved tree, negation included', () => {
    const tree = { op: 'or' as const, negate: true, conditions: [attr('id'), { op: 'and' as const, conditions: [custom('a'), attr('email')] }] };
    expect(T.toConditions(T.fromConditions(tree))).toEqual(tree);
    expect(T.countRules(T.fromConditions(tree))).toBe(3);
  });

  it('reads {} and a group without op as the API does: groups, op and conditions defaulted', () => {
    const saved = { conditions: [{}, attr('id')] } as never;
    expect(T.toConditions(T.fromConditions(saved))).toEqual({ op: 'and', conditions: [{ op: 'and', conditions: [] }, attr('id')] });
    expect(T.toConditions(T.fromConditions({} as never))).toEqual({ op: 'and', conditions: [] });
  });
});
