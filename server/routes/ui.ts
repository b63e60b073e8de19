/**
 * The Segments page at `/`: the front end of ui/ (built by `npm install` /
 * `npm start` into ui/dist), served as static files. It talks to the API like
 * any client, with the project's key; nothing here reads data.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';

export const UI_DIST = join(dirname(fileURLToPath(import.meta.url)), '../../ui/dist');

export const uiRoutes: FastifyPluginAsync = async (app) => {
  mkdirSync(UI_DIST, { recursive: true });
  await app.register(fastifyStatic, { root: UI_DIST, prefix: '/ui/', schemaHide: true, index: false });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    if (!existsSync(join(UI_DIST, 'index.html'))) {
      return reply.code(503).type('text/plain').send('The UI is not built: run `npm run build:ui` (npm install and npm start do it).');
    }
    return reply.sendFile('index.html');
  });
};
