/** The Fastify app on a given warehouse, with two projects, and a small request helper. */
import { afterAll, beforeAll } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { openTestWarehouse } from './warehouse.js';
import { buildApp } from '../../server/app.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';

export const KEYS = { alpha: 'key-alpha', beta: 'key-beta' } as const;

export async function testApp(warehouse: Warehouse): Promise<FastifyInstance> {
  return buildApp({ config: { apiKeys: new Map([[KEYS.alpha, 'alpha'], [KEYS.beta, 'beta']]) }, warehouse });
}

export interface Call {
  status: number;
  body: any;
}

/** POSTs (or any method) JSON as project alpha unless another key is given. */
export async function call(app: FastifyInstance, method: InjectOptions['method'], url: string, payload?: unknown, key: string = KEYS.alpha): Promise<Call> {
  const response = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    payload: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
}

/**
 * The app on a fresh embedded warehouse for one test file: set up before the
 * file's tests (handed to `ready`), closed after them.
 */
export function useTestApp(ready: (opened: { app: FastifyInstance; warehouse: Warehouse }) => void): void {
  let dispose: (() => Promise<void>) | undefined;
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    const opened = await openTestWarehouse();
    dispose = opened.dispose;
    app = await testApp(opened.warehouse);
    ready({ app, warehouse: opened.warehouse });
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });
}
