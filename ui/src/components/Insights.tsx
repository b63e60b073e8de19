/**
 * What the members do: events and active users per day over the last 30 days
 * (POST /v1/analytics/events), and how experiences perform among them
 * (POST /v1/analytics/experiences).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type AnalyticsBucket, type Category, type Conditions, type ExperienceReport } from '../api.js';
import { count } from '../format.js';
import { daysAgo, today } from '../fields.js';

export function ActivityChart({ conditions, categories }: { conditions: Conditions; categories: Category[] }) {
  const events = categories.filter((c) => c.type === 'event').flatMap((c) => (c.events ?? []).map((e) => ({ source: c.source!, event: e.event, label: `${c.label} › ${e.event}` })));
  const [choice, setChoice] = useState(0);
  const [series, setSeries] = useState<AnalyticsBucket[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const picked = events[choice];
  const key = JSON.stringify(conditions);
  useEffect(() => {
    if (!picked) return;
    let current = true;
    setSeries(null);
    setError(null);
    api.eventSeries({ conditions }, picked.source, picked.event, daysAgo(29), today())
      .then((r) => current && setSeries(r.series), (e: Error) => current && setError(e.message));
    return () => { current = false; };
  }, [key, choice, picked?.event]);
  if (!picked) return null;
  const max = Math.max(1, ...(series ?? []).map((b) => b.events));
  const width = 300;
  const height = 110;
  const step = series?.length ? width / series.length : 0;
  const users = (series ?? []).map((b, i) => `${(i + 0.5) * step},${height - (b.users / max) * height}`).join(' ');
  return (
    <div class="card">
      <h3>Activity, last 30 days</h3>
      <select aria-label="Event shown" value={choice} onChange={(e) => setChoice(Number(e.currentTarget.value))}>
        {events.map((e, i) => <option value={i}>{e.label}</option>)}
      </select>
      {error && <p class="error">{error}</p>}
      {series && (
        <figure class="chart">
          <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Daily ${picked.event} events and active users among the members`} preserveAspectRatio="none">
            {series.map((b, i) => <rect x={i * step + 1} width={Math.max(1, step - 2)} y={height - (b.events / max) * height} height={(b.events / max) * height} class="bar"><title>{`${b.bucket}: ${b.events} events, ${b.users} users`}</title></rect>)}
            <polyline points={users} class="line" />
          </svg>
          <figcaption class="legend small"><span class="key bar" /> events <span class="key line" /> active users · total {count(series.reduce((n, b) => n + b.events, 0))} events</figcaption>
        </figure>
      )}
    </div>
  );
}

const SHOWN = 12;

export function ExperienceTable({ conditions, categories }: { conditions: Conditions; categories: Category[] }) {
  // Experiences with interactions (surveys without any have nothing to show here), up to SHOWN of them.
  const all = categories.find((c) => c.type === 'experience')?.experiences?.filter((x) => x.interactions.length > 0) ?? [];
  const experiences = all.slice(0, SHOWN);
  const [rows, setRows] = useState<Array<{ experience: string; report: ExperienceReport }> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(conditions);
  useEffect(() => {
    if (!experiences.length) return;
    let current = true;
    setRows(null);
    setError(null);
    Promise.all(experiences.map(async (x) => ({ experience: x.experience, report: await api.experienceReport({ conditions }, x.experience, daysAgo(29), today()) })))
      .then((r) => current && setRows(r), (e: Error) => { if (current) { setError(e.message); setRows([]); } });
    return () => { current = false; };
  }, [key]);
  if (!experiences.length) return null;
  return (
    <div class="card">
      <h3>Experiences among members, last 30 days</h3>
      {error && <p class="error">{error}</p>}
      {all.length > SHOWN && <p class="muted small">The first {SHOWN} of {all.length} experiences.</p>}
      {!rows ? <p class="muted">Loading…</p> : (
        <table class="compact">
          <thead><tr><th scope="col">Experience</th><th scope="col" class="num">Seen</th><th scope="col" class="num">Completed</th><th scope="col" class="num">Rate</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr><td>{r.experience}</td><td class="num">{count(r.report.seen)}</td><td class="num">{count(r.report.completed)}</td>
                <td class="num">{r.report.completion_rate === null ? '—' : `${Math.round(r.report.completion_rate * 100)} %`}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
