/**
 * The Segments page: a tab strip (Users / Segments / Imports) over hash routes,
 * so every view has an address: #/segments, #/segments/new, #/segments/:id,
 * #/users, #/imports.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, settings, type Category } from '../api.js';
import { SegmentsList } from './SegmentsList.js';
import { SegmentPage } from './SegmentPage.js';
import { UsersTab } from './UsersTab.js';
import { ImportsTab } from './ImportsTab.js';

const route = () => (location.hash.replace(/^#/, '') || '/segments').split('/').filter(Boolean);
export const navigate = (path: string) => { location.hash = path; };

export function App() {
  const [path, setPath] = useState(route());
  const [categories, setCategories] = useState<Category[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState(settings.key);
  const [author, setAuthor] = useState(settings.author);
  const [revision, setRevision] = useState(0);
  const refresh = () => setRevision((r) => r + 1);

  useEffect(() => {
    const onHash = () => setPath(route());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    setError(null);
    api.catalog().then((c) => setCategories(c.categories), (e: Error) => setError(e.message));
  }, [revision]); // the key and author take effect when the settings are saved

  // The catalog names the saved segments (without their live counts, which only the list computes).
  const segmentCount = categories ? (categories.find((c) => c.type === 'segment')?.segments?.length ?? 0) : null;
  const [section, id] = path;
  const tab = section === 'users' ? 'users' : section === 'imports' ? 'imports' : 'segments';
  return (
    <div class="app">
      <header class="top">
        <h1><span class="logo" aria-hidden="true">◎</span> Segments</h1>
        <details class="settings">
          <summary>Settings</summary>
          <form class="menu" onSubmit={(e) => { e.preventDefault(); settings.key = key; settings.author = author; refresh(); }}>
            <label>API key <input type="password" value={key} onInput={(e) => setKey(e.currentTarget.value)} /></label>
            <label>Your name <input type="text" value={author} onInput={(e) => setAuthor(e.currentTarget.value)} /></label>
            <button type="submit">Save settings</button>
          </form>
        </details>
      </header>
      <nav class="tabs" role="tablist" aria-label="Sections">
        <a role="tab" aria-selected={tab === 'users'} href="#/users">Users</a>
        <a role="tab" aria-selected={tab === 'segments'} href="#/segments">Segments {segmentCount !== null && <span class="pill">{segmentCount}</span>}</a>
        <a role="tab" aria-selected={tab === 'imports'} href="#/imports">Imports</a>
      </nav>
      {error && <p class="error" role="alert">{error}</p>}
      <main>
        {!categories ? <p class="muted">Loading…</p>
          : tab === 'users' ? <UsersTab categories={categories} />
            : tab === 'imports' ? <ImportsTab onImported={refresh} />
              : id ? <SegmentPage key={id} id={id === 'new' ? null : id} categories={categories} onSaved={refresh} />
                : <SegmentsList revision={revision} onChanged={refresh} />}
      </main>
    </div>
  );
}
