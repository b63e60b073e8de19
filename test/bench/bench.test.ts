/**
 * The benchmark at toy scale, as a smoke test: every figure is produced, the
 * optimized and naive strategies agree on every count. No timing is asserted
 * here — timings are the benchmark's to report, at scale (docs/benchmarks.md).
 */
import { describe, expect, it } from 'vitest';
import { runBench, formatReport } from '../../bench/run.js';
import { suite } from '../../bench/suite.js';
import { openTestWarehouse } from '../support/warehouse.js';

describe('segments bench (smoke)', () => {
  it('runs the whole suite and reports every figure, with counts equal to the naive strategy', async () => {
    const { warehouse, dispose } = await openTestWarehouse();
    try {
      const report = await runBench(warehouse, { users: 3_000, events: 60_000, runs: 1, ingestEvents: 20_000 });
      expect(report.segments.map((s) => s.name)).toEqual(suite().map((s) => s.name));
      expect(report.segments.length).toBeGreaterThanOrEqual(16);
      for (const s of report.segments) {
        expect(s.naive_count, s.name).toBe(s.count);
        expect(s.rows_read, s.name).toBeGreaterThan(0);
        expect(s.memory).toMatch(/GiB|MiB/);
      }
      expect(report.segments.some((s) => s.count > 0)).toBe(true);
      for (const figure of ['batch_ms', 'batch_floor_ms', 'first_page_ms', 'deep_page_ms', 'membership_ms', 'load_events_per_s', 'clickhouse_insert_events_per_s', 'http_events_per_s', 'analytics_ms', 'compile_1000_ms', 'plan_1000_ms'] as const) {
        expect(report[figure], figure).toBeGreaterThan(0);
      }
      expect(report.targets.find((t) => t.target.startsWith('counts identical'))?.met).toBe(true);
      expect(formatReport(report)).toContain('| target | measured | met |');
    } finally {
      await dispose();
    }
  }, 300_000);
});
