/**
 * The segments list: badge, name and description, live audience (the batch
 * counts of GET /v1/segments: one pass however many segments), created and
 * updated with their authors. Hovering a row shows the trash icon; deleting
 * asks first and names the segments that use this one.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type SegmentSummary } from '../api.js';
import { count, day } from '../format.js';
import { Badge } from './Badge.js';
import { navigate } from './App.js';
import { useDialog } from './dialog.js';

export function SegmentsList({ revision, onChanged }: { revision: number; onChanged: () => void }) {
  const [segments, setSegments] = useState<SegmentSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<SegmentSummary | null>(null);
  useEffect(() => {
    api.segments().then((r) => setSegments(r.segments), (e: Error) => setError(e.message));
  }, [revision]);

  return (
    <section aria-labelledby="segments-title">
      <div class="page-head">
        <h2 id="segments-title">Segments</h2>
        <div class="actions">
          <a class="button secondary" href="#/imports">Import users from CSV</a>
          <a class="button primary" href="#/segments/new">+ New Segment</a>
        </div>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!segments ? <p class="muted">Loading…</p> : segments.length === 0 ? (
        <div class="empty-state"><p>No segments yet.</p><a class="button primary" href="#/segments/new">Create your first segment</a></div>
      ) : (
        <div class="table-wrap">
          <table class="segments">
            <thead><tr><th scope="col">Name</th><th scope="col" class="num">Audience</th><th scope="col">Created</th><th scope="col">Last updated</th><th><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {segments.map((s) => (
                <tr class="clickable" tabIndex={0} data-segment={s.id} onClick={() => navigate(`/segments/${s.id}`)} onKeyDown={(e) => e.key === 'Enter' && e.target === e.currentTarget && navigate(`/segments/${s.id}`)}>
                  <td>
                    <div class="name-cell"><Badge badge={s.badge} /><div><a href={`#/segments/${s.id}`} class="segment-name">{s.name}</a>{s.description && <div class="muted small">{s.description}</div>}</div></div>
                  </td>
                  <td class="num audience" title={s.audience_error?.message}>{s.audience === null ? <span class="muted">n/a</span> : count(s.audience)}</td>
                  <td>{day(s.created_at)}<div class="muted small">{s.created_by ?? '—'}</div></td>
                  <td>{day(s.updated_at)}<div class="muted small">{s.updated_by ?? '—'}</div></td>
                  <td class="row-actions">
                    <button type="button" class="icon trash" aria-label={`Delete ${s.name}`} title="Delete" onClick={(e) => { e.stopPropagation(); setDeleting(s); }}>🗑</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting && <ConfirmDelete segment={deleting} onClose={(deleted) => { setDeleting(null); if (deleted) onChanged(); }} />}
    </section>
  );
}

function ConfirmDelete({ segment, onClose }: { segment: SegmentSummary; onClose: (deleted: boolean) => void }) {
  const [users, setUsers] = useState<Array<{ id: string; name: string }> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dialog = useDialog<HTMLDivElement>(() => onClose(false));
  useEffect(() => {
    api.segment(segment.id).then((s) => setUsers(s.referenced_by ?? []), (e: Error) => setError(e.message));
  }, [segment.id]);
  const remove = async () => {
    try {
      await api.deleteSegment(segment.id, (users?.length ?? 0) > 0);
      onClose(true);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div class="modal-backdrop" onClick={() => onClose(false)}>
      <div class="modal" role="alertdialog" aria-modal="true" aria-labelledby="delete-title" ref={dialog} tabIndex={-1} onClick={(e) => e.stopPropagation()}>
        <h3 id="delete-title">Delete “{segment.name}”?</h3>
        {users === null ? <p class="muted">Checking which segments use it…</p> : users.length === 0 ? (
          <p>No other segment uses it. This cannot be undone.</p>
        ) : (
          <>
            <p>These segments use it, and will stop working until it is removed from them:</p>
            <ul class="references">{users.map((u) => <li><a href={`#/segments/${u.id}`}>{u.name}</a></li>)}</ul>
          </>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => onClose(false)} data-autofocus>Cancel</button>
          <button type="button" class="danger" disabled={users === null} onClick={remove}>{users?.length ? 'Delete anyway' : 'Delete'}</button>
        </div>
      </div>
    </div>
  );
}
