/** The Fastify app on a given warehouse, with two projects, and a small request helper. */
import type { FastifyInstance, InjectOptions } from 'fastify';
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
