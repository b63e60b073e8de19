/**
 * The real server process (`segments serve`, what `npm start` runs) on a
 * temporary DATA_DIR: acknowledged writes survive kill -9 and restarts, the
 * demo project loads once on an empty store, SIGTERM lets in-flight requests
 * finish.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { drainPending } from 'chdb';
import { EmbeddedWarehouse } from '../../server/warehouse/chdb.js';
import { UserStore } from '../../server/ingest/users.js';
import { tempDir } from '../support/warehouse.js';

const dataDir = tempDir('segments-persist-');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Server {
  process: ChildProcess;
  url: string;
  output: () => string;
}

async function start(env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const child = spawn('node', ['bin/segments.js', 'serve'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), API_KEYS: 'p1:k1', DEMO_DATA: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { process: child, url, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start: ${output}`);
}

async function stop(server: Server, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => server.process.on('exit', (code) => resolve(code)));
  server.process.kill(signal);
  return exited;
}

async function post(server: Server, path: string, body: unknown, key = 'k1') {
  const response = await fetch(server.url + path, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Reads the store directly, with the server stopped (one process per data directory). */
async function inspect<T>(read: (w: EmbeddedWarehouse) => Promise<T>): Promise<T> {
  const warehouse = new EmbeddedWarehouse({ dataDir, queryTimeoutMs: 30_000 });
  try {
    return await read(warehouse);
  } finally {
    await warehouse.close();
    await drainPending();
  }
}

describe('SPEC §5 the server process', () => {
  it('keeps every acknowledged write through kill -9, and merges onto it after a restart', async () => {
    const first = await start();
    expect(first.output()).toContain(`Segments API on ${first.url}`);
    expect((await post(first, '/v1/users', { users: [{ id: 'p', name: 'Pat', attributes: { a: 1 } }] })).status).toBe(200);
    expect((await post(first, '/v1/events', {
      events: Array.from({ length: 500 }, (_, i) => ({ user_id: `u${i}`, source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z' })),
    })).status).toBe(200);
    const saved = await post(first, '/v1/segments', { name: 'Named', conditions: { op: 'and', conditions: [{ type: 'attribute', attribute: 'name', operator: 'is', value: 'Pat' }] } });
    expect(saved.status).toBe(201);
    await stop(first, 'SIGKILL');

    const second = await start();
    const listed = await (await fetch(`${second.url}/v1/segments`, { headers: { authorization: 'Bearer k1' } })).json();
    expect(listed.segments).toEqual([expect.objectContaining({ id: saved.body.id, name: 'Named', audience: 1, version: 1 })]);
    expect((await post(second, '/v1/users', { users: [{ id: 'p', attributes: { b: 2 } }] })).body).toEqual({ accepted: 1, created: 0, updated: 1 });
    await stop(second, 'SIGKILL');

    const [user, events] = await inspect(async (w) => [
      (await new UserStore(w).read('p1', ['p'])).get('p'),
      Number((await w.query<{ n: number }>(`SELECT count() AS n FROM events WHERE project = 'p1'`)).rows[0]!.n),
    ] as const);
    expect(user).toMatchObject({ name: 'Pat', attributes: { a: 1, b: 2 } });
    expect(events).toBe(500);
  }, 120_000);

  it('finishes in-flight requests on SIGTERM, then exits cleanly', async () => {
    const server = await start();
    const inFlight = post(server, '/v1/events', {
      events: Array.from({ length: 10_000 }, (_, i) => ({ user_id: `t${i}`, source: 'jimo', event: 'late', timestamp: '2026-01-02T00:00:00Z' })),
    });
    await new Promise((r) => setTimeout(r, 20));
    const code = stop(server, 'SIGTERM');
    expect((await inFlight).status).toBe(200);
    expect(await code).toBe(0);
    const late = await inspect(async (w) => Number((await w.query<{ n: number }>(`SELECT count() AS n FROM events WHERE event = 'late'`)).rows[0]!.n));
    expect(late).toBe(10_000);
  }, 120_000);

  it('loads the demo project once, on an empty store only, whatever QUERY_TIMEOUT_MS requests have', async () => {
    const demoDir = tempDir('segments-demo-');
    // Migrations and the demo are not requests: a tight request limit does not stop the start.
    const env = { DATA_DIR: demoDir, DEMO_DATA: '1', API_KEYS: '', QUERY_TIMEOUT_MS: '50' };
    const server = await start(env);
    expect(server.output()).toContain('Loaded the demo dataset into project "demo"');
    const health = await fetch(`${server.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok', warehouse: 'embedded' });
    await stop(server, 'SIGTERM');
    const again = await start(env);
    expect(again.output()).not.toContain('Loaded the demo dataset');
    await stop(again, 'SIGTERM');
    rmSync(demoDir, { recursive: true, force: true });
  }, 120_000);
});
