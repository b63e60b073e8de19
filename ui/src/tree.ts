/**
 * The condition builder's model: the SPEC §3 tree with an id on every node, and
 * the edits the builder offers — each a pure function returning a new tree, so
 * the builder is easy to test and undo is a matter of keeping the old value.
 *
 * - add a rule or a new logic group to a group;
 * - switch a group's connector (AND / OR);
 * - remove a rule (the X); a group left empty goes with it;
 * - nest a group into a new sub-group, flatten a group into its parent, delete a group.
 */
import type { Condition, Conditions } from './api.js';

export type Rule = { kind: 'rule'; id: string; condition: Condition };
export type Group = { kind: 'group'; id: string; op: 'and' | 'or'; negate: boolean; children: Node[] };
export type Node = Rule | Group;

let counter = 0;
const nextId = () => `n${++counter}`;

export const emptyRoot = (): Group => ({ kind: 'group', id: nextId(), op: 'and', negate: false, children: [] });

/** The builder's tree of a saved one: as the API reads it, a node without `type` is a group (`op` and `conditions` default). */
export function fromConditions(tree: Conditions): Group {
  return {
    kind: 'group', id: nextId(), op: tree.op ?? 'and', negate: tree.negate === true,
    children: (tree.conditions ?? []).map((c) => (!('type' in c)
      ? fromConditions(c as Conditions)
      : { kind: 'rule' as const, id: nextId(), condition: c as Condition })),
  };
}

export function toConditions(group: Group): Conditions {
  return {
    op: group.op,
    ...(group.negate ? { negate: true } : {}),
    conditions: group.children.map((n) => (n.kind === 'group' ? toConditions(n) : n.condition)),
  };
}

/** Rebuilds the path to the node `id` with `edit` applied to that node's parent group. */
function editParent(root: Group, id: string, edit: (parent: Group, index: number) => Group): Group {
  const index = root.children.findIndex((c) => c.id === id);
  if (index >= 0) return edit(root, index);
  return { ...root, children: root.children.map((c) => (c.kind === 'group' ? editParent(c, id, edit) : c)) };
}

function editGroup(root: Group, id: string, edit: (group: Group) => Group): Group {
  if (root.id === id) return edit(root);
  return { ...root, children: root.children.map((c) => (c.kind === 'group' ? editGroup(c, id, edit) : c)) };
}

export function addRule(root: Group, groupId: string, condition: Condition): { root: Group; id: string } {
  const rule: Rule = { kind: 'rule', id: nextId(), condition };
  return { root: editGroup(root, groupId, (g) => ({ ...g, children: [...g.children, rule] })), id: rule.id };
}

/** A new logic group with one rule, its connector the other one of its parent's (AND holds ORs and vice versa). */
export function addGroup(root: Group, groupId: string, condition: Condition): { root: Group; id: string } {
  let created: Group | undefined;
  const next = editGroup(root, groupId, (g) => {
    created = { kind: 'group', id: nextId(), op: g.op === 'and' ? 'or' : 'and', negate: false, children: [{ kind: 'rule', id: nextId(), condition }] };
    return { ...g, children: [...g.children, created] };
  });
  return { root: next, id: created!.id };
}

export function setOp(root: Group, groupId: string, op: 'and' | 'or'): Group {
  return editGroup(root, groupId, (g) => ({ ...g, op }));
}

export function setNegate(root: Group, groupId: string, negate: boolean): Group {
  return editGroup(root, groupId, (g) => ({ ...g, negate }));
}

export function updateRule(root: Group, ruleId: string, condition: Condition): Group {
  return editParent(root, ruleId, (parent, i) => ({ ...parent, children: parent.children.map((c, j) => (j === i ? { ...(c as Rule), condition } : c)) }));
}

/** Removes a rule or a group; a group (not the root) left without children goes too. */
export function remove(root: Group, id: string): Group {
  return prune(editParent(root, id, (parent, i) => ({ ...parent, children: parent.children.filter((_, j) => j !== i) })));
}

function prune(group: Group): Group {
  return { ...group, children: group.children.map((c) => (c.kind === 'group' ? prune(c) : c)).filter((c) => c.kind === 'rule' || c.children.length > 0) };
}

/** Nests a group's conditions one level down, into a new sub-group of the other connector. */
export function nest(root: Group, groupId: string): Group {
  return editGroup(root, groupId, (g) => ({
    ...g, children: [{ kind: 'group', id: nextId(), op: g.op, negate: false, children: g.children }], op: g.op === 'and' ? 'or' : 'and',
  }));
}

/**
 * Moves a group's conditions up into its parent, in its place, joined by the parent's connector —
 * or by the group's own when it was the parent's only condition, so nesting then flattening
 * changes nothing. A negated group cannot be flattened.
 */
export function flatten(root: Group, groupId: string): Group {
  return editParent(root, groupId, (parent, i) => {
    const group = parent.children[i] as Group;
    if (group.negate) return parent;
    const op = parent.children.length === 1 ? group.op : parent.op;
    return { ...parent, op, children: [...parent.children.slice(0, i), ...group.children, ...parent.children.slice(i + 1)] };
  });
}

export function find(root: Group, id: string): Node | undefined {
  if (root.id === id) return root;
  for (const c of root.children) {
    if (c.id === id) return c;
    if (c.kind === 'group') {
      const found = find(c, id);
      if (found) return found;
    }
  }
  return undefined;
}

export const countRules = (group: Group): number => group.children.reduce((n, c) => n + (c.kind === 'rule' ? 1 : countRules(c)), 0);
