/**
 * Users: the condition builder as a filter, a keyset-paginated table (Next
 * follows the API's cursor; Previous goes back through the cursors seen), and
 * a side panel with one user's attributes, events and segment memberships.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type Category, type Conditions, type Sort, type User, type UserEvents } from '../api.js';
import * as T from '../tree.js';
import { cell, count, day } from '../format.js';
import { Builder } from './Builder.js';
import { UsersTable } from './UsersTable.js';
import { useDialog } from './dialog.js';

const PAGE = 25;

export function UsersTab({ categories }: { categories: Category[] }) {
  const [root, setRoot] = useState<T.Group>(T.emptyRoot());
  const [filter, setFilter] = useState<Conditions>(T.toConditions(T.emptyRoot()));
  const [sort, setSort] = useState<Sort>({ by: 'id', order: 'asc' });
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState<{ users: User[]; next_cursor: string | null } | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    setError(null);
    api.users(filter, { limit: PAGE, sort, cursor }).then(setPage, (e: Error) => { setError(e.message); setPage({ users: [], next_cursor: null }); });
  }, [JSON.stringify(filter), sort.by, sort.order, cursor]);
  useEffect(() => {
    setTotal(null);
    api.count(filter).then((c) => setTotal(c.count), () => setTotal(null));
  }, [JSON.stringify(filter)]);

  const apply = () => { setFilter(T.toConditions(root)); setCursors([undefined]); };
  return (
    <section aria-labelledby="users-title" class={open ? 'with-panel' : ''}>
      <div class="page-head"><h2 id="users-title">Users</h2></div>
      <div class="card">
        <div class="card-head"><h3>Filter</h3><button type="button" class="primary" onClick={apply}>Apply</button></div>
        <Builder root={root} categories={categories} onChange={setRoot} />
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="card">
        <div class="card-head">
          <h3>{total === null ? 'Users' : `${count(total)} users`}</h3>
          <div class="pager">
            <span class="muted small">page {cursors.length}</span>
            <button type="button" class="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Previous</button>
            <button type="button" class="secondary" disabled={!page?.next_cursor} onClick={() => setCursors([...cursors, page!.next_cursor!])}>Next</button>
          </div>
        </div>
        {page ? <UsersTable users={page.users} sort={sort} onSort={(s) => { setSort(s); setCursors([undefined]); }} onOpen={(u) => setOpen(u.id)} /> : <p class="muted">Loading…</p>}
      </div>
      {open && <UserPanel key={open} id={open} categories={categories} onClose={() => setOpen(null)} />}
    </section>
  );
}

function UserPanel({ id, categories, onClose }: { id: string; categories: Category[]; onClose: () => void }) {
  const [user, setUser] = useState<(User & { segments: string[] }) | null>(null);
  const [events, setEvents] = useState<UserEvents['events'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const panel = useDialog<HTMLElement>(onClose, { trap: false });
  useEffect(() => {
    setUser(null);
    setEvents(null);
    api.user(id).then(setUser, (e: Error) => setError(e.message));
    api.userEvents(id).then((r) => setEvents(r.events), () => setEvents([]));
  }, [id]);
  // Segment names from the catalog: listing the segments would count every one of them.
  const names = new Map((categories.find((c) => c.type === 'segment')?.segments ?? []).map((s) => [s.id, s.name]));
  const native = user ? (['name', 'email', 'language', 'created_at', 'first_seen_at', 'last_activity_at', 'sessions', 'tags'] as const) : [];
  return (
    <aside class="side-panel" role="dialog" aria-label={`User ${id}`} ref={panel} tabIndex={-1}>
      <div class="card-head"><h3>{id}</h3><button type="button" class="icon" aria-label="Close" onClick={onClose} data-autofocus>×</button></div>
      {error && <p class="error">{error}</p>}
      {!user ? <p class="muted">Loading…</p> : (
        <>
          <h4>Attributes</h4>
          <dl class="attributes">
            {native.map((k) => <><dt>{k}</dt><dd>{k.endsWith('_at') ? day(user[k] as string | null) : cell(user[k])}</dd></>)}
            {Object.entries(user.attributes).map(([k, v]) => <><dt>{k}</dt><dd>{cell(v)}</dd></>)}
          </dl>
          {Object.keys(user.traits).length > 0 && (
            <>
              <h4>Segment.io traits</h4>
              <dl class="attributes">{Object.entries(user.traits).map(([k, v]) => <><dt>{k}</dt><dd>{cell(v)}</dd></>)}</dl>
            </>
          )}
          <h4>Segments</h4>
          {user.segments.length === 0 ? <p class="muted">In no saved segment.</p> : (
            <ul class="memberships">{user.segments.map((s) => <li><a href={`#/segments/${s}`}>{names.get(s) ?? s}</a></li>)}</ul>
          )}
          <h4>Events</h4>
          {!events ? <p class="muted">Loading…</p> : events.length === 0 ? <p class="muted">No events.</p> : (
            <table class="compact">
              <thead><tr><th scope="col">Event</th><th scope="col" class="num">Count</th><th scope="col">Last</th></tr></thead>
              <tbody>{events.map((e) => <tr><td>{e.event} <span class="muted small">{e.source}</span></td><td class="num">{count(e.count)}</td><td>{day(e.last_at)}</td></tr>)}</tbody>
            </table>
          )}
        </>
      )}
    </aside>
  );
}
