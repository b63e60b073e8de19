/**
 * The UI's only way to the data: the public HTTP API (SPEC §4), with the
 * project's key from this browser's settings. Errors carry the API's code,
 * message and JSON path so forms can point at what was wrong.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Conditions = { op: 'and' | 'or'; negate?: boolean; conditions: Array<Conditions | Condition> };
export type Condition = { type: string; [field: string]: unknown };

export interface Badge { icon?: string; label?: string; color?: string }
export interface SegmentSummary {
  id: string; name: string; description: string; badge: Badge; audience: number | null;
  audience_error?: { code: string; message: string };
  created_at: string; created_by: string | null; updated_at: string; updated_by: string | null; version: number;
}
export interface Segment extends Omit<SegmentSummary, 'audience' | 'audience_error'> {
  conditions: Conditions; referenced_by?: Array<{ id: string; name: string }>;
}
export interface User {
  id: string; name: string | null; email: string | null; language: string | null;
  created_at: string | null; first_seen_at: string | null; last_activity_at: string | null;
  sessions: number | null; tags: string[] | null; attributes: Record<string, unknown>; traits: Record<string, unknown>;
}
export interface UsersPage { users: User[]; next_cursor: string | null }
export type SortField = 'id' | 'name' | 'email' | 'created_at' | 'last_activity_at' | 'sessions';
export interface Sort { by: SortField; order: 'asc' | 'desc' }

export interface KeyField { key: string; types: string[] }
export interface Category {
  id: string; label: string; type: string; source?: string;
  fields?: Array<{ name: string; type: string }>;
  keys?: KeyField[];
  events?: Array<{ event: string; properties: KeyField[] }>;
  experiences?: Array<{ experience: string; interactions: string[]; steps: Array<{ step: string; types: string[] }> }>;
  segments?: Array<{ id: string; name: string }>;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly path?: string) {
    // The API's messages usually name the path already; say where only when they do not.
    super(path && !message.includes(path) ? `${message} (at ${path})` : message);
  }
}

const KEY = 'segments.apiKey';
const AUTHOR = 'segments.author';
export const settings = {
  get key(): string { return localStorage.getItem(KEY) ?? 'demo'; },
  set key(value: string) { localStorage.setItem(KEY, value); },
  get author(): string { return localStorage.getItem(AUTHOR) ?? ''; },
  set author(value: string) { localStorage.setItem(AUTHOR, value); },
};

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${settings.key}` };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload });
  const text = await response.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(response.status, error.code ?? 'error', error.message ?? response.statusText, error.path);
  }
  return data as T;
}

export interface AnalyticsBucket { bucket: string; events: number; users: number }
export interface ExperienceReport { audience: number; seen: number; completed: number; dismissed: number; completion_rate: number | null }
export interface SqlReport { sql: string; params: Record<string, unknown>; pretty: string; explain?: string }
export interface ImportResult { import_id: string; added: number; updated: number; rejected: number; rejects: Array<{ row: number; reason: string }>; segment_id: string | null }
export interface UserEvents { events: Array<{ source: string; event: string; count: number; first_at: string; last_at: string }> }

/** An audience: a saved segment, or conditions not saved yet. */
export type Audience = { segment: string } | { conditions: Conditions };

export const api = {
  catalog: () => request<{ categories: Category[] }>('GET', '/v1/catalog'),
  segments: () => request<{ segments: SegmentSummary[] }>('GET', '/v1/segments'),
  segment: (id: string) => request<Segment>('GET', `/v1/segments/${encodeURIComponent(id)}`),
  createSegment: (body: { name: string; description: string; badge: Badge; conditions: Conditions; author?: string }) =>
    request<Segment>('POST', '/v1/segments', body),
  updateSegment: (id: string, body: { name: string; description: string; badge: Badge; conditions: Conditions; version: number; author?: string }) =>
    request<Segment>('PATCH', `/v1/segments/${encodeURIComponent(id)}`, body),
  duplicateSegment: (id: string) => request<Segment>('POST', `/v1/segments/${encodeURIComponent(id)}/duplicate`),
  deleteSegment: (id: string, force: boolean) => request<void>('DELETE', `/v1/segments/${encodeURIComponent(id)}${force ? '?force=true' : ''}`),
  count: (conditions: Conditions) => request<{ count: number }>('POST', '/v1/audience/count', { conditions }),
  users: (conditions: Conditions, options: { limit: number; sort?: Sort; cursor?: string }) =>
    request<UsersPage>('POST', '/v1/audience/users', { conditions, ...options }),
  sql: (conditions: Conditions, kind: 'count' | 'users' | 'filter') => request<SqlReport>('POST', '/v1/audience/sql', { conditions, kind, explain: true }),
  user: (id: string) => request<User & { segments: string[] }>('GET', `/v1/users/${encodeURIComponent(id)}`),
  userEvents: (id: string) => request<UserEvents>('GET', `/v1/users/${encodeURIComponent(id)}/events`),
  eventSeries: (audience: Audience, source: string, event: string, from: string, to: string) =>
    request<{ series: AnalyticsBucket[] }>('POST', '/v1/analytics/events', { ...audience, source, event, from, to, interval: 'day' }),
  experienceReport: (audience: Audience, experience: string, from: string, to: string) =>
    request<ExperienceReport>('POST', '/v1/analytics/experiences', { ...audience, experience, from, to }),
  importCsv: (file: File, options: { identifier: 'id' | 'email'; createSegment: boolean; segmentName?: string; author?: string }) => {
    const form = new FormData();
    form.append('file', file);
    const query = new URLSearchParams({ identifier: options.identifier, create_segment: String(options.createSegment) });
    if (options.createSegment && options.segmentName) query.set('segment_name', options.segmentName);
    if (options.author) query.set('author', options.author);
    return request<ImportResult>('POST', `/v1/imports?${query}`, form);
  },
};
