/**
 * Bearer API keys: the key selects the project, and the project is then part
 * of every read and write the request makes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The project the API key belongs to; every query of this request is scoped to it. */
    project: string;
  }
}

export function authenticate(apiKeys: ReadonlyMap<string, string>) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    // Node keeps the first of several Authorization headers; a proxy may read another, and then
    // the two would disagree on the project. Such a request names no one key: refused.
    const sent = request.raw.rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'authorization').length;
    const header = sent > 1 ? '' : request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const project = match ? apiKeys.get(match[1]!) : undefined;
    if (!project) throw errors.unauthorized();
    request.project = project;
  };
}
