/**
 * SPEC §4 "Analytics filtered by segment": the audience is a saved segment or
 * an on-the-fly tree; each report is one query over the audience's members.
 */
import type { FastifyPluginAsync } from 'fastify';
import { EVENT_SOURCES, now, timestamp } from '../../model/schemas.js';
import { between, type TimeRange } from '../../compiler/time.js';
import { dateValue } from '../../compiler/validate.js';
import type { Audiences } from '../audience/audiences.js';
import type { SegmentStore } from '../segments/store.js';
import { errors } from '../errors.js';
import { conditionsSchema, instant } from './audience.js';

const DAY = 86_400_000;
const MAX_BUCKETS = 3_700;

const audience = {
  segment: { type: 'string', minLength: 1, maxLength: 64, description: 'a saved segment id (or give conditions)' },
  conditions: conditionsSchema,
  from: { ...timestamp, description: 'start of the range (a date means 00:00 UTC)' },
  to: { ...timestamp, description: 'end of the range, inclusive (a date includes that whole day)' },
  now,
} as const;

interface AudienceBody {
  segment?: string;
  conditions?: unknown;
  from: string;
  to: string;
  now?: string | null;
}

export const analyticsRoutes: FastifyPluginAsync<{ audiences: Audiences; segments: SegmentStore }> = async (app, { audiences, segments }) => {
  /** The tree of the audience a report is about: a saved segment's, or the one given. */
  const treeOf = async (project: string, body: AudienceBody): Promise<unknown> => {
    if ((body.segment === undefined) === (body.conditions === undefined)) {
      throw errors.invalidRequest('give either "segment" (a saved segment id) or "conditions" (a tree)', '/segment');
    }
    if (body.conditions !== undefined) return body.conditions;
    const segment = await segments.get(project, body.segment!);
    if (!segment) throw errors.notFound('segment');
    return segment.conditions;
  };

  const rangeOf = (body: AudienceBody): TimeRange & { from: { ms: number }; to: { ms: number } } => {
    const range = between(dateValue(body.from, '/from'), dateValue(body.to, '/to'));
    const { from, to } = range as { from: { ms: number }; to: { ms: number; inclusive: boolean } };
    if (to.inclusive ? to.ms < from.ms : to.ms <= from.ms) throw errors.invalidRequest('"to" is before "from"', '/to');
    return range as TimeRange & { from: { ms: number }; to: { ms: number } };
  };

  app.post<{ Body: AudienceBody & { source: string; event: string; interval: 'day' | 'week' } }>('/analytics/events', {
    schema: {
      summary: "An event's count and distinct users per day or week, among an audience's members (every bucket present)",
      tags: ['analytics'],
      body: {
        type: 'object', required: ['source', 'event', 'from', 'to', 'interval'], additionalProperties: false,
        properties: {
          source: { type: 'string', enum: EVENT_SOURCES }, event: { type: 'string', minLength: 1, maxLength: 256 },
          interval: { type: 'string', enum: ['day', 'week'] }, ...audience,
        },
      },
      response: {
        200: {
          type: 'object',
          properties: { series: { type: 'array', items: { type: 'object', properties: { bucket: { type: 'string' }, events: { type: 'integer' }, users: { type: 'integer' } } } } },
        },
      },
    },
  }, async (request) => {
    const { body, project } = request;
    const range = rangeOf(body);
    const buckets = bucketsOf(range, body.interval);
    const rows = await audiences.eventSeries({ project, conditions: await treeOf(project, body), now: instant(body.now) },
      { source: body.source, event: body.event, range, interval: body.interval });
    const found = new Map(rows.map((r) => [r.bucket, r]));
    return { series: buckets.map((bucket) => ({ bucket, events: Number(found.get(bucket)?.events ?? 0), users: Number(found.get(bucket)?.users ?? 0) })) };
  });

  app.post<{ Body: AudienceBody & { experience: string } }>('/analytics/experiences', {
    schema: {
      summary: "An experience's reach among an audience's members: who saw, completed, dismissed it in the range",
      tags: ['analytics'],
      body: {
        type: 'object', required: ['experience', 'from', 'to'], additionalProperties: false,
        properties: { experience: { type: 'string', minLength: 1, maxLength: 256 }, ...audience },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            audience: { type: 'integer' }, seen: { type: 'integer' }, completed: { type: 'integer' }, dismissed: { type: 'integer' },
            completion_rate: { type: ['number', 'null'], description: 'completed / seen; null when nobody saw it' },
          },
        },
      },
    },
  }, async (request) => {
    const { body, project } = request;
    const report = await audiences.experienceReport({ project, conditions: await treeOf(project, body), now: instant(body.now) },
      { experience: body.experience, range: rangeOf(body) });
    return { ...report, completion_rate: report.seen === 0 ? null : report.completed / report.seen };
  });
};

/** Every bucket of the range (UTC days, or weeks starting on Monday) as YYYY-MM-DD. */
export function bucketsOf(range: { from: { ms: number }; to: { ms: number; inclusive: boolean } }, interval: 'day' | 'week'): string[] {
  const last = range.to.inclusive ? range.to.ms : range.to.ms - 1;
  const startOf = (ms: number) => {
    const day = Math.floor(ms / DAY) * DAY;
    if (interval === 'day') return day;
    const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
    return day - weekday * DAY;
  };
  const step = interval === 'day' ? DAY : 7 * DAY;
  const buckets: string[] = [];
  for (let t = startOf(range.from.ms); t <= last; t += step) {
    if (buckets.length >= MAX_BUCKETS) throw errors.invalidRequest(`the range holds more than ${MAX_BUCKETS} buckets`, '/to');
    buckets.push(new Date(t).toISOString().slice(0, 10));
  }
  return buckets;
}
