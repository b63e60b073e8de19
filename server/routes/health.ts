import type { FastifyPluginAsync } from 'fastify';
import type { Warehouse } from '../warehouse/warehouse.js';
import { errors } from '../errors.js';

export const healthRoutes: FastifyPluginAsync<{ warehouse: Warehouse }> = async (app, { warehouse }) => {
  app.get('/health', {
    schema: {
      summary: 'Liveness and warehouse reachability',
      security: [],
      response: { 200: { type: 'object', properties: { status: { type: 'string' }, warehouse: { type: 'string' } } } },
    },
  }, async () => {
    try {
      await warehouse.ping();
    } catch {
      throw errors.unavailable();
    }
    return { status: 'ok', warehouse: warehouse.kind };
  });
};
