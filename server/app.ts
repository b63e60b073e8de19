/**
 * The Fastify application: plugins registered explicitly, the warehouse and
 * stores passed in (the caller owns their lifecycle), one error handler.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from './config.js';
import type { Warehouse } from './warehouse/warehouse.js';
import { TOO_COMPLEX_FOR_ENGINE, WarehouseFailure, WarehouseRejectedData, WarehouseTimeout, WarehouseTooComplex, WarehouseUnavailable } from './warehouse/errors.js';
import { ApiError, BODY_LIMIT, errors } from './errors.js';
import { validationError, validatorCompiler } from './validation.js';
import { describeJsonProblem, JsonInputError, parseJson } from '../model/json.js';
import { bodyText } from './encoding.js';
import { authenticate } from './auth.js';
import { UserStore } from './ingest/users.js';
import { healthRoutes } from './routes/health.js';
import { ingestRoutes } from './routes/ingest.js';
import { importRoutes } from './routes/imports.js';
import { audienceRoutes } from './routes/audience.js';
import { Audiences } from './audience/audiences.js';
import { Cursors } from './audience/cursor.js';
import { inLane } from './warehouse/lanes.js';
import { CompileError } from '../compiler/index.js';
import { MAX_DEPTH } from '../compiler/normalize.js';
import { conditionTreeSchema } from '../compiler/schema.js';
import { SegmentStore } from './segments/store.js';
import { segmentRoutes } from './routes/segments.js';
import { userRoutes } from './routes/users.js';
import { analyticsRoutes } from './routes/analytics.js';
import { catalogRoutes } from './routes/catalog.js';
import { uiRoutes } from './routes/ui.js';

export interface AppOptions {
  config: Pick<Config, 'apiKeys'>;
  warehouse: Warehouse;
  logger?: FastifyServerOptions['logger'];
}

interface OpenApiOperation {
  requestBody?: { required?: boolean; description?: string; content?: Record<string, { schema?: { nullable?: boolean } & Record<string, unknown> }> };
  parameters?: unknown[];
  responses?: Record<string, unknown>;
}
interface OpenApiDocument {
  paths?: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, unknown> };
}

/** The error envelope of SPEC §4, as the document names it. */
const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'invalid_request, invalid_json, invalid_conditions, unsupported_media_type, rejected_data, bad_request, unauthorized, not_found, request_timeout, stale_version, segment_in_use, payload_too_large, headers_too_large, unknown_segment, segment_cycle, too_complex, warehouse_unavailable, query_timeout' },
        message: { type: 'string' },
        path: { type: 'string', description: 'JSON pointer of the offending value: within the body, or for invalid_conditions / too_complex within the condition tree' },
      },
      additionalProperties: true,
    },
  },
} as const;

/**
 * The errors each route can answer, in the document: the generator lists only the success a
 * route's schema declares. Read from the route's shape, as the handlers answer them (SPEC §4).
 */
function documentErrors(document: OpenApiDocument): OpenApiDocument {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Error: ERROR_SCHEMA } };
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith('/v1/')) continue;
    const tree = /^\/v1\/(audience|segments|analytics)\b/.test(path);
    for (const [method, operation] of Object.entries(operations)) {
      const body = Boolean(operation.requestBody);
      operation.responses = {
        ...operation.responses,
        ...(body || operation.parameters?.length || path === '/v1/imports' ? { 400: error('Bad input: the body, a parameter or a condition tree (path names it)') } : {}),
        401: error('No API key, or an unknown one'),
        ...(path.includes('{') || /^\/v1\/(analytics|segments\/counts)/.test(path) ? { 404: error('No such object in this project') } : {}),
        ...(/^\/v1\/segments\/\{id\}$/.test(path) && (method === 'patch' || method === 'delete')
          ? { 409: error(method === 'patch' ? 'stale_version: the segment changed since that version' : 'segment_in_use: other segments reference it (error.referenced_by); ?force=true deletes it anyway') } : {}),
        ...(body ? { 413: error('The body is over the size limit') } : {}),
        ...(tree ? { 422: error('unknown_segment, segment_cycle or too_complex') } : {}),
        503: error('The warehouse is unavailable'),
        504: error('The query ran past QUERY_TIMEOUT_MS'),
      };
    }
  }
  const imports = document.paths?.['/v1/imports']?.post;
  if (imports) {
    // The route reads its body itself (a CSV, or a form): the generator saw no schema for it.
    imports.requestBody = {
      required: true,
      description: 'A CSV with a header row: as the body, or as the multipart form field "file"',
      content: {
        'text/csv': { schema: { type: 'string' } },
        'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } },
      },
    };
    imports.responses = { ...imports.responses, 413: error('The CSV is over the size limit') };
  }
  return document;
}

/**
 * The document is OpenAPI 3.0, whose Schema Object has no `propertyNames` (JSON Schema's, which
 * the validation uses: attribute keys of 1–128 characters, fields misplaced in a condition). A
 * copy without it, so that generators and validators read the document; the schemas the routes
 * validate with are left as they are.
 */
function withoutPropertyNames(document: OpenApiDocument): OpenApiDocument {
  // `names`: the node is a map of names (a schema's `properties`), whose keys are not keywords.
  const strip = (node: unknown, names = false): unknown => {
    if (Array.isArray(node)) return node.map((item) => strip(item));
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(Object.entries(node)
      .filter(([key]) => names || key !== 'propertyNames')
      .map(([key, value]) => [key, strip(value, !names && key === 'properties')]));
  };
  return strip(document) as OpenApiDocument;
}

/**
 * The generator marks every request body required; a route whose body schema admits null (every
 * field optional: POST /v1/segments/counts, …/duplicate) takes no body at all, and says so.
 */
function optionalBodies(document: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const { requestBody } of Object.values(operations)) {
      if (requestBody && Object.values(requestBody.content ?? {}).some((c) => c.schema?.nullable)) requestBody.required = false;
    }
  }
  return document;
}

/**
 * A body JSON.parse or the checks after it refused. Inside the condition tree of a route that
 * takes one (its body's `conditions`) the error is the compiler's: its pointer relative to the
 * tree, as every other tree error's (SPEC §3.6), and groups nested too deep are `too_complex`
 * (a value nested too deep inside a condition is just invalid). Anywhere else it is bad input (a
 * nested attribute value is one, SPEC §2).
 */
function bodyError(error: JsonInputError, takesTree: boolean): ApiError | CompileError {
  const { problem } = error;
  if (!problem) return errors.invalidJson('the body is not valid JSON');
  const tree = takesTree ? /^\/conditions(?=\/|$)/.exec(problem.path) : null;
  if (!tree) return errors.invalidRequest(error.message, problem.path);
  const at = { ...problem, path: problem.path.slice(tree[0].length) };
  // Too deep with more groups on the way than the limit allows is the tree's fault (whatever the
  // innermost condition holds); within the limit, it is a value nested too deep.
  const groups = 1 + (/^(\/conditions\/\d+)*/.exec(at.path)![0].match(/\/conditions\/\d+/g)?.length ?? 0);
  const tooComplex = problem.kind === 'too_deep' && groups > MAX_DEPTH;
  return new CompileError(tooComplex ? 'too_complex' : 'invalid_conditions', describeJsonProblem(at), at.path);
}

/** Whether the route's body has a condition tree (`conditions`: audience, segment, analytics routes). */
function takesTree(request: FastifyRequest): boolean {
  const body = request.routeOptions.schema?.body as { properties?: Record<string, unknown> } | undefined;
  return Boolean(body?.properties && 'conditions' in body.properties);
}

/** Request line and headers together; `GET …/users?cursor=` pages carry cursors of up to 1 MB. */
export const MAX_HEADER_BYTES = 2 * 1024 * 1024;

function clientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = error.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'headers_too_large', `the request line and headers are over ${MAX_HEADER_BYTES} bytes (a cursor that long can be sent in the body of POST /v1/audience/users)`]
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout', 'the request took too long to arrive'] : [400, 'bad_request', 'not an HTTP request this server can read'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

export async function buildApp({ config, warehouse, logger = false }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT,
    // Attribute keys may be any string, "__proto__" included: stores merge through Maps.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    return503OnClosing: true,
    // User ids are up to 256 characters of any script (SPEC §2), so up to 3 × 4 × 256 once percent-encoded.
    routerOptions: { maxParamLength: 4096 },
    // A URL the router cannot read (bad percent-encoding) gets the API's error envelope too.
    frameworkErrors: (error, request, reply) => errorHandler(error, request, reply),
    // A cursor carries the last sort value, so a GET of the next page is as long as a user's name
    // may be: Node's 16 KiB of headers refused pages after a long one.
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    // What Node refuses before Fastify reads a request (headers too large, garbage) in the envelope too.
    clientErrorHandler: clientError,
  });
  app.setValidatorCompiler(validatorCompiler);
  // JSON routes take JSON: Fastify's own text/plain parser handed them a string, refused with a
  // schema message ("(root) must be object") instead of one naming the content type. CSV imports
  // read text/plain themselves.
  app.removeContentTypeParser('text/plain');
  // An empty JSON body (many clients send one with POST …/duplicate) is no body, not invalid JSON.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      // JSON is UTF-8 whatever charset a client labels it with (RFC 8259 §8.1: the label has no effect).
      text = bodyText(request, body as Buffer).trim();
    } catch (error) {
      return done(error instanceof ApiError ? error : errors.invalidJson(`the body ${(error as Error).message}`), undefined);
    }
    if (text === '') return done(null, undefined);
    try {
      done(null, parseJson(text));
    } catch (error) {
      done(bodyError(error as JsonInputError, takesTree(request)), undefined);
    }
  });
  // Graceful shutdown: requests in flight finish, and their connections close
  // with them instead of idling until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errors.notFound(`route ${request.method} ${request.url.split('?')[0]}`).toJSON());
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Segments API', version: '0.1.0', description: 'Audience condition trees compiled to ClickHouse SQL.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    // Shared schemas keep their names (ConditionTree) in the document.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transformObject: (document) => withoutPropertyNames(documentErrors(optionalBodies(('openapiObject' in document ? document.openapiObject : document.swaggerObject) as OpenApiDocument))) as object,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // GET /docs is the OpenAPI document (SPEC §4) for a program and its browsable UI for a browser:
  // a client that does not ask for HTML (curl, fetch, SDK generators) gets the JSON itself.
  app.addHook('onRequest', async (request, reply) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !/^\/docs\/?(\?|$)/.test(request.url)) return;
    void reply.header('vary', 'Accept');
    if ((request.headers.accept ?? '').includes('text/html')) return;
    return reply.type('application/json; charset=utf-8').send(app.swagger());
  });

  app.addSchema(conditionTreeSchema);
  const users = new UserStore(warehouse);
  const segments = new SegmentStore(warehouse);
  const audiences = new Audiences(warehouse, segments);
  const cursors = Cursors.fromKeys(config.apiKeys);
  await app.register(healthRoutes, { warehouse });
  await app.register(uiRoutes);
  await app.register(async (v1) => {
    v1.addHook('onRequest', authenticate(config.apiKeys));
    // The handler's queries wait in the project's lane: projects take turns at the embedded engine.
    v1.addHook('preHandler', (request, _reply, done) => inLane(request.project, done));
    await v1.register(ingestRoutes, { warehouse, users });
    await v1.register(importRoutes, { warehouse, users, segments });
    await v1.register(audienceRoutes, { audiences, cursors });
    await v1.register(segmentRoutes, { audiences, segments, cursors });
    await v1.register(userRoutes, { audiences, segments, users, warehouse });
    await v1.register(analyticsRoutes, { audiences, segments });
    await v1.register(catalogRoutes, { warehouse, segments });
  }, { prefix: '/v1' });
  return app;
}

function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const api = toApiError(error, request.headers['content-type']);
  if (api.status >= 500) request.log.error({ err: error }, 'request failed');
  void reply.status(api.status).send(api.toJSON());
}

/** Every failure as a registry error; a driver's or engine's message never reaches a client for a 5xx. */
export function toApiError(error: FastifyError | Error, contentType?: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof CompileError) return new ApiError(error.status, error.code, error.message, error.path);
  if (error instanceof WarehouseUnavailable) return errors.unavailable();
  if (error instanceof WarehouseTimeout) return errors.timeout();
  if (error instanceof WarehouseTooComplex) return errors.unprocessable('too_complex', TOO_COMPLEX_FOR_ENGINE);
  if (error instanceof WarehouseRejectedData) return errors.rejectedData(error.message);
  if (error instanceof WarehouseFailure) return errors.internal();
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return validationError(fastifyError.validation as never, fastifyError.validationContext);
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.payloadTooLarge(BODY_LIMIT);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(contentType ?? '');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.invalidJson('the body is empty; send a JSON object');
  }
  if (error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return errors.invalidJson('the body is not valid JSON');
  }
  const status = fastifyError.statusCode;
  // The router's own refusals (a URL it cannot decode, a parameter past its limit) are bad input.
  if (fastifyError.code === 'FST_ERR_BAD_URL' || fastifyError.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return errors.invalidRequest('the URL cannot be read: check its percent-encoding and length');
  }
  if (status && status >= 400 && status < 500) {
    return new ApiError(status, (fastifyError.code ?? 'bad_request').toLowerCase(), fastifyError.message);
  }
  return errors.internal();
}
