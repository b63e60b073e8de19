/** `npx segments compile | count | seed` as a user runs them. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedWarehouse, lockHolder } from '../../server/warehouse/chdb.js';
import { tempDir } from '../support/warehouse.js';

const dir = tempDir('segments-cli-');
const env = { ...process.env, DATA_DIR: join(dir, 'data') };
const segments = (...args: string[]) => spawnSync('node', ['bin/segments.js', ...args], { env, encoding: 'utf8', timeout: 120_000 });
const tree = join(dir, 'tree.json');
writeFileSync(tree, JSON.stringify({ op: 'and', conditions: [{ type: 'event', source: 'api', event: 'login', operator: 'gte', value: 2 }] }));

describe('segments CLI', () => {
  it('compile prints pretty SQL with typed placeholders, and the parameters with --params', () => {
    const run = segments('compile', tree, '--params', '--project', 'p1', '--now', '2026-06-15T12:00:00Z');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^SELECT\n {2}count\(\) AS count\nFROM\n {2}users AS u FINAL\n/);
    expect(run.stdout).toMatch(/GROUP BY\n\s+user_key\n\s+HAVING/);
    expect(run.stdout).toContain('{p0:String}');
    expect(run.stdout).toContain('"p0": "p1"');
    expect(run.stdout).toContain('"p1": "api"');
  });

  it('compile takes a request body, with its now unless --now is given', () => {
    const body = join(dir, 'body.json');
    writeFileSync(body, JSON.stringify({ now: '2026-01-02T03:04:05.006Z', conditions: { op: 'and', conditions: [{ type: 'event', source: 'api', event: 'login', window: { in_last: { amount: 1, unit: 'days' } } }] } }));
    const own = segments('compile', body, '--params');
    expect(own.status, own.stderr).toBe(0);
    expect(own.stdout).toContain('"2026-01-02 03:04:05.006"');
    const given = segments('compile', body, '--params', '--now', '2026-06-15T00:00:00Z');
    expect(given.stdout).toContain('"2026-06-15 00:00:00.000"');
  });

  it('compile reports a bad tree with its JSON pointer', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ op: 'and', conditions: [{ type: 'attribute', attribute: 'nope', operator: 'is', value: 'x' }] }));
    const run = segments('compile', join(dir, 'bad.json'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('/conditions/0/attribute');
  });

  it('compile opens the store only for a tree with a nested segment, not for the word "segment"', () => {
    const noStore = { ...env, DATA_DIR: '/dev/null/no-store' };
    const compile = (conditions: object) => {
      const file = join(dir, 'words.json');
      writeFileSync(file, JSON.stringify({ op: 'and', conditions: [conditions] }));
      return spawnSync('node', ['bin/segments.js', 'compile', file], { env: noStore, encoding: 'utf8', timeout: 120_000 });
    };
    const words = compile({ type: 'custom_attribute', source: 'segmentio', key: 'segment', operator: 'is', value: 'segment' });
    expect(words.status, words.stderr).toBe(0);
    expect(words.stdout).toContain('traits');
    const nested = compile({ type: 'segment', segment: 's1', operator: 'in' });
    expect(nested.status).toBe(1);
    expect(nested.stderr).toContain('/dev/null/no-store');
  });

  it('says plainly when the store is held by another process, or the server is unreachable', async () => {
    // This test's process holds a store, as a running `segments serve` would.
    const held = join(dir, 'held');
    const holder = new EmbeddedWarehouse({ dataDir: held, queryTimeoutMs: 30_000 });
    try {
      const run = spawnSync('node', ['bin/segments.js', 'count', tree], { env: { ...env, DATA_DIR: held }, encoding: 'utf8', timeout: 120_000 });
      expect(run.status).toBe(1);
      const advice = '(a running `segments serve` keeps it: stop it before `load`, `seed` or `count`, or set DATA_DIR to another directory)';
      if (lockHolder(held) === process.pid) {
        // Named, and nothing of the engine's own exception printed before it (Linux's /proc/locks tells the holder).
        expect(run.stderr.trim()).toBe(`segments: could not open the embedded store in ${held}: process ${process.pid} holds it ${advice}`);
      } else {
        // A file system whose device numbers /proc/locks reports otherwise (btrfs subvolumes), or no /proc/locks: the engine finds out.
        expect(run.stderr).toContain(`segments: could not open the embedded store in ${held}: another process may hold it ${advice}`);
      }
    } finally {
      await holder.close();
    }
    // A status file a crashed process left behind holds no lock: the store opens.
    const stale = join(dir, 'stale');
    mkdirSync(stale);
    writeFileSync(join(stale, 'status'), 'PID: 999999\nStarted at: 2026-01-01 00:00:00\nRevision: 54513\n');
    expect(lockHolder(stale)).toBeUndefined();
    const reopened = spawnSync('node', ['bin/segments.js', 'count', tree], { env: { ...env, DATA_DIR: stale }, encoding: 'utf8', timeout: 120_000 });
    expect(reopened.status, reopened.stderr).toBe(0);
    // One line, not the driver's log and stack.
    const away = spawnSync('node', ['bin/segments.js', 'serve'], { env: { ...env, CLICKHOUSE_URL: 'http://127.0.0.1:1' }, encoding: 'utf8', timeout: 120_000 });
    expect(away.status).toBe(1);
    expect(away.stderr.trim()).toBe('segments: ClickHouse server unreachable');
  });

  it('prints its version, and refuses a benchmark of no users', () => {
    const version = segments('--version');
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    const empty = segments('bench', '--users', '0');
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('expected a whole number ≥ 1');
    // Digits only: Number() would read 0x10 as 16.
    const hex = segments('bench', '--runs', '0x10');
    expect(hex.status).toBe(1);
    expect(hex.stderr).toContain('expected a whole number');
  });

  it('count on a new store creates its tables and answers 0', () => {
    const run = spawnSync('node', ['bin/segments.js', 'count', tree], { env: { ...env, DATA_DIR: join(dir, 'fresh') }, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('0');
  });

  it('seed then count: the same count as the tree evaluated through the engine', () => {
    const seeded = segments('seed', '--project', 'p1', '--users', '500', '--events', '20000', '--anchor', '2026-06-15');
    expect(seeded.status, seeded.stderr).toBe(0);
    expect(seeded.stderr).toContain('seeded project p1');
    const single = segments('count', tree, '--project', 'p1', '--now', '2026-06-15T00:00:00Z');
    const naive = segments('count', tree, '--project', 'p1', '--now', '2026-06-15T00:00:00Z', '--strategy', 'naive');
    expect(single.status, single.stderr).toBe(0);
    expect(Number(single.stdout)).toBeGreaterThan(0);
    expect(naive.stdout).toBe(single.stdout);
    // Seeding the same project again would write its events twice: refused, nothing written.
    const again = segments('seed', '--project', 'p1', '--users', '500', '--events', '20000', '--anchor', '2026-06-15');
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('project p1 already holds data');
    expect(segments('count', tree, '--project', 'p1', '--now', '2026-06-15T00:00:00Z').stdout).toBe(single.stdout);
  }, 180_000);
});
