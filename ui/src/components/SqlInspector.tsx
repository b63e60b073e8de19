/** The exact SQL the audience runs (POST /v1/audience/sql): pretty, with its parameters and EXPLAIN, copyable. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Conditions, type SqlReport } from '../api.js';

export function SqlInspector({ conditions }: { conditions: Conditions }) {
  const [kind, setKind] = useState<'count' | 'users' | 'filter'>('count');
  const [report, setReport] = useState<SqlReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const key = JSON.stringify(conditions);
  useEffect(() => {
    // Conditions change as the builder is edited: a late answer for older ones is dropped.
    let current = true;
    setError(null);
    const timer = setTimeout(() => {
      api.sql(conditions, kind).then((r) => current && setReport(r), (e: Error) => current && setError(e.message));
    }, 250);
    return () => { current = false; clearTimeout(timer); };
  }, [key, kind]);
  const copy = async (label: string, text: string) => {
    try { await navigator.clipboard.writeText(text); setCopied(label); } catch { setCopied(null); }
  };
  const params = report ? JSON.stringify(report.params, null, 2) : '';
  return (
    <div class="card sql" aria-label="SQL inspector" role="region">
      <div class="card-head">
        <h3>SQL</h3>
        <select aria-label="Query kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as typeof kind)}>
          <option value="count">count</option><option value="users">users page</option><option value="filter">filter (member ids)</option>
        </select>
      </div>
      {error && <p class="error">{error}</p>}
      {report && (
        <>
          <div class="code-head"><span>Query</span><button type="button" class="link" onClick={() => copy('sql', report.pretty)}>{copied === 'sql' ? 'Copied' : 'Copy'}</button></div>
          <pre class="code" data-testid="sql-pretty">{report.pretty}</pre>
          <div class="code-head"><span>Parameters</span><button type="button" class="link" onClick={() => copy('params', params)}>{copied === 'params' ? 'Copied' : 'Copy'}</button></div>
          <pre class="code">{params}</pre>
          {report.explain && (
            <>
              <div class="code-head"><span>EXPLAIN</span><button type="button" class="link" onClick={() => copy('explain', report.explain!)}>{copied === 'explain' ? 'Copied' : 'Copy'}</button></div>
              <pre class="code">{report.explain}</pre>
            </>
          )}
        </>
      )}
    </div>
  );
}
