/**
 * A segment's page, new or saved: inline-editable name and description, the
 * badge, the condition builder, and what the audience looks like. Apply
 * previews the conditions as they are (saved or not); Save is enabled once
 * something changed and the current conditions were applied.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, settings, type Badge as BadgeValue, type Category, type Conditions, type Segment, type User } from '../api.js';
import * as T from '../tree.js';
import { count, day } from '../format.js';
import { Badge, BadgeEditor } from './Badge.js';
import { Builder } from './Builder.js';
import { navigate } from './App.js';
import { UsersTable } from './UsersTable.js';
import { ActivityChart, ExperienceTable } from './Insights.js';
import { SqlInspector } from './SqlInspector.js';

interface Draft { name: string; description: string; badge: BadgeValue; conditions: string }

const NEW_NAME = 'New segment';

/** A badge with its fields in one order and unset ones dropped, so two equal badges compare equal. */
function normalBadge(b: BadgeValue | undefined): BadgeValue {
  return { ...(b?.icon ? { icon: b.icon } : {}), ...(b?.label ? { label: b.label } : {}), ...(b?.color && b.color !== 'indigo' ? { color: b.color } : {}) };
}

export function SegmentPage({ id, categories, onSaved }: { id: string | null; categories: Category[]; onSaved: () => void }) {
  const [saved, setSaved] = useState<Segment | null>(null);
  const [loading, setLoading] = useState(id !== null);
  const [name, setName] = useState(NEW_NAME);
  const [description, setDescription] = useState('');
  const [badge, setBadge] = useState<BadgeValue>({});
  const [root, setRoot] = useState<T.Group>(T.emptyRoot());
  const [applied, setApplied] = useState<Conditions | null>(null);
  const [preview, setPreview] = useState<{ count: number; users: User[] } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showSql, setShowSql] = useState(false);

  const conditions = useMemo(() => T.toConditions(root), [root]);
  const current: Draft = { name: name.trim(), description, badge: normalBadge(badge), conditions: JSON.stringify(conditions) };
  // A new segment starts from the empty draft; a saved one from what was saved (normalized the same way).
  const original: Draft = saved
    ? { name: saved.name, description: saved.description, badge: normalBadge(saved.badge), conditions: JSON.stringify(T.toConditions(T.fromConditions(saved.conditions))) }
    : { name: NEW_NAME, description: '', badge: {}, conditions: JSON.stringify(T.toConditions(T.emptyRoot())) };
  const changed = JSON.stringify(current) !== JSON.stringify(original);
  const isApplied = applied !== null && JSON.stringify(applied) === current.conditions;
  const canSave = changed && isApplied && current.name !== '' && busy === null;

  const apply = async (tree: Conditions = conditions) => {
    setBusy('apply');
    setError(null);
    try {
      const [c, page] = await Promise.all([api.count(tree), api.users(tree, { limit: 10 })]);
      setPreview({ count: c.count, users: page.users });
      setApplied(tree);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  useEffect(() => {
    if (id === null) {
      void apply(T.toConditions(T.emptyRoot()));
      return;
    }
    api.segment(id).then((s) => {
      setSaved(s);
      setName(s.name);
      setDescription(s.description);
      setBadge(s.badge ?? {});
      const tree = T.fromConditions(s.conditions);
      setRoot(tree);
      setLoading(false);
      void apply(T.toConditions(tree));
    }, (e: Error) => { setError(e.message); setLoading(false); });
  }, [id]);

  const save = async () => {
    setBusy('save');
    setError(null);
    try {
      const author = settings.author || undefined;
      const body = { name: name.trim(), description, badge: normalBadge(badge), conditions, author };
      const result = saved ? await api.updateSegment(saved.id, { ...body, version: saved.version }) : await api.createSegment(body);
      setSaved(result);
      onSaved();
      if (!saved) navigate(`/segments/${result.id}`);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const duplicate = async () => {
    if (!saved) return;
    setBusy('duplicate');
    try {
      const copy = await api.duplicateSegment(saved.id);
      onSaved();
      navigate(`/segments/${copy.id}`);
    } catch (e) {
      setError((e as Error).message);
      setBusy(null);
    }
  };

  if (loading) return <p class="muted">Loading…</p>;
  return (
    <section class="segment-page" aria-label="Segment">
      <div class="page-head">
        <div class="title-block">
          <a href="#/segments" class="back">← Segments</a>
          <div class="title-line">
            <Badge badge={badge} />
            <input class="inline title" aria-label="Segment name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </div>
          <input class="inline description" aria-label="Description" placeholder="Add a description…" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          {saved && <div class="muted small">Created {day(saved.created_at)} by {saved.created_by ?? '—'} · updated {day(saved.updated_at)} by {saved.updated_by ?? '—'} · version {saved.version}</div>}
        </div>
        <div class="actions">
          {saved && <button type="button" class="secondary" onClick={duplicate} disabled={busy !== null}>Duplicate</button>}
          <button type="button" class="secondary" onClick={() => setShowSql(!showSql)} aria-expanded={showSql}>SQL</button>
          <button type="button" class="primary" onClick={save} disabled={!canSave}
            title={!changed ? 'Nothing changed' : !isApplied ? 'Apply the conditions first' : current.name === '' ? 'Name the segment' : ''}>{busy === 'save' ? 'Saving…' : 'Save'}</button>
        </div>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="columns">
        <div class="main-column">
          <div class="card">
            <div class="card-head">
              <h3>Conditions</h3>
              <button type="button" class="primary" onClick={() => apply()} disabled={busy !== null}>{busy === 'apply' ? 'Applying…' : 'Apply'}</button>
            </div>
            <Builder root={root} categories={categories} onChange={setRoot} />
            {!isApplied && <p class="muted small" role="status">Conditions changed: Apply to preview them{changed ? ' before saving' : ''}.</p>}
          </div>
          <BadgeEditor badge={badge} onChange={setBadge} />
          {showSql && <SqlInspector conditions={conditions} />}
        </div>
        <aside class="side-column" aria-label="Preview">
          <div class="card preview">
            <h3>Audience</h3>
            <div class="big-number" data-testid="preview-count">{preview ? count(preview.count) : '—'}</div>
            <div class="muted small">users match{applied && !isApplied ? ' the applied conditions' : ''}</div>
            {preview && <UsersTable users={preview.users} compact />}
          </div>
          {applied && <ActivityChart conditions={applied} categories={categories} />}
          {applied && <ExperienceTable conditions={applied} categories={categories} />}
        </aside>
      </div>
    </section>
  );
}
