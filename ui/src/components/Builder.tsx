/**
 * The condition builder: groups of rules joined by AND (green) or OR (orange),
 * switchable per group; "Add…" a rule or a new logic group; group actions on
 * hover or keyboard focus (nest into a sub-group, flatten into the parent,
 * delete the group) and the × that removes one condition.
 */
import { Fragment } from 'preact';
import { useRef } from 'preact/hooks';
import type { Category } from '../api.js';
import { newCondition } from '../fields.js';
import * as T from '../tree.js';
import { RuleEditor } from './RuleEditor.js';

interface Props { root: T.Group; categories: Category[]; onChange: (root: T.Group) => void }

export function Builder({ root, categories, onChange }: Props) {
  const fresh = () => newCondition(categories[0] ?? { id: 'attributes', label: 'Attributes', type: 'attribute' });
  return (
    <div class="builder">
      {root.children.length === 0 && <p class="muted empty">No conditions: every user of the project matches.</p>}
      <GroupView group={root} depth={0} categories={categories} root={root} onChange={onChange} fresh={fresh} />
    </div>
  );
}

interface GroupProps { group: T.Group; depth: number; categories: Category[]; root: T.Group; onChange: (root: T.Group) => void; fresh: () => ReturnType<typeof newCondition> }

function GroupView({ group, depth, categories, root, onChange, fresh }: GroupProps) {
  const menu = useRef<HTMLDetailsElement>(null);
  const other = group.op === 'and' ? 'or' : 'and';
  const close = () => menu.current?.removeAttribute('open');
  return (
    <div class={`group ${group.op} ${depth === 0 ? 'root' : 'nested'}${group.negate ? ' negated' : ''}`} role="group"
      aria-label={depth === 0 ? 'Conditions' : `${group.op.toUpperCase()} group`}>
      {depth > 0 && (
        <div class="group-actions">
          <button type="button" onClick={() => onChange(T.nest(root, group.id))}>Nest into sub-group</button>
          {!group.negate && <button type="button" onClick={() => onChange(T.flatten(root, group.id))}>Flatten into parent</button>}
          <button type="button" class="danger" onClick={() => onChange(T.remove(root, group.id))}>Delete group</button>
        </div>
      )}
      {group.negate && <div class="negation">NOT</div>}
      {group.children.map((child, i) => (
        <Fragment key={child.id}>
          {i > 0 && (
            <button type="button" class={`connector ${group.op}`} aria-label={`${group.op.toUpperCase()}: switch this group to ${other.toUpperCase()}`}
              title={`Switch to ${other.toUpperCase()}`} onClick={() => onChange(T.setOp(root, group.id, other))}>
              {group.op.toUpperCase()}
            </button>
          )}
          {child.kind === 'rule'
            ? <RuleEditor condition={child.condition} categories={categories}
                onChange={(c) => onChange(T.updateRule(root, child.id, c))} onRemove={() => onChange(T.remove(root, child.id))} />
            : <GroupView group={child} depth={depth + 1} categories={categories} root={root} onChange={onChange} fresh={fresh} />}
        </Fragment>
      ))}
      <div class="group-footer">
        <details class="add" ref={menu}>
          <summary>Add…</summary>
          <div class="menu" role="menu">
            <button type="button" role="menuitem" onClick={() => { close(); onChange(T.addRule(root, group.id, fresh()).root); }}>Rule</button>
            <button type="button" role="menuitem" onClick={() => { close(); onChange(T.addGroup(root, group.id, fresh()).root); }}>Logic group</button>
          </div>
        </details>
        {depth === 0 && group.children.length > 1 && (
          <span class="muted hint">joined by <strong class={group.op}>{group.op.toUpperCase()}</strong> — click a connector to switch</span>
        )}
        {depth === 0 && group.children.length > 0 && (
          <button type="button" class="link" onClick={() => onChange(T.nest(root, group.id))}>Nest all into a sub-group</button>
        )}
        <label class="negate">
          <input type="checkbox" checked={group.negate} onChange={(e) => onChange(T.setNegate(root, group.id, e.currentTarget.checked))} />
          exclude (NOT)
        </label>
      </div>
    </div>
  );
}
