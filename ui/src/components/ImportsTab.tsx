/** Imports: a CSV of users (POST /v1/imports), by id or email, optionally saved as a segment. */
import { useState } from 'preact/hooks';
import { api, settings, type ImportResult } from '../api.js';
import { count } from '../format.js';

export function ImportsTab({ onImported }: { onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [identifier, setIdentifier] = useState<'id' | 'email'>('id');
  const [createSegment, setCreateSegment] = useState(false);
  const [segmentName, setSegmentName] = useState('');
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await api.importCsv(file, { identifier, createSegment, segmentName: segmentName.trim() || undefined, author: settings.author || undefined });
      setResult(r);
      onImported();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="imports-title">
      <div class="page-head"><h2 id="imports-title">Import users from CSV</h2></div>
      <form class="card import-form" onSubmit={submit}>
        <p class="muted small">A header row, and an identifier column. Known columns (name, email, language, created_at, …) fill native fields; the others become custom attributes, typed from their text.</p>
        <label>CSV file <input type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} /></label>
        <fieldset>
          <legend>Identify users by</legend>
          <label><input type="radio" name="identifier" value="id" checked={identifier === 'id'} onChange={() => setIdentifier('id')} /> id</label>
          <label><input type="radio" name="identifier" value="email" checked={identifier === 'email'} onChange={() => setIdentifier('email')} /> email</label>
        </fieldset>
        <label><input type="checkbox" checked={createSegment} onChange={(e) => setCreateSegment(e.currentTarget.checked)} /> Create a segment of exactly these users</label>
        {createSegment && <label>Segment name <input type="text" value={segmentName} placeholder="Imported …" onInput={(e) => setSegmentName(e.currentTarget.value)} /></label>}
        <div><button type="submit" class="primary" disabled={!file || busy}>{busy ? 'Importing…' : 'Import'}</button></div>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {result && (
        <div class="card" role="status" aria-label="Import result">
          <h3>Imported</h3>
          <ul class="stats">
            <li><strong data-testid="import-added">{count(result.added)}</strong> added</li>
            <li><strong data-testid="import-updated">{count(result.updated)}</strong> updated</li>
            <li><strong data-testid="import-rejected">{count(result.rejected)}</strong> rejected</li>
          </ul>
          {result.rejects.length > 0 && (
            <table class="compact"><thead><tr><th scope="col">Row</th><th scope="col">Reason</th></tr></thead>
              <tbody>{result.rejects.slice(0, 100).map((r) => <tr><td>{r.row}</td><td>{r.reason}</td></tr>)}</tbody></table>
          )}
          {result.segment_id && <p><a href={`#/segments/${result.segment_id}`}>Open the new segment →</a></p>}
        </div>
      )}
    </section>
  );
}
