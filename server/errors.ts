/**
 * The one registry of API errors: a stable code, an HTTP status and a
 * message; `path` is the JSON pointer of the offending input when there is one.
 * Body: `{ "error": { "code", "message", "path"? } }` (SPEC §4).
 */
/** Request bodies (JSON and CSV alike) are refused past this size with 413. */
export const BODY_LIMIT = 64 * 1024 * 1024;

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly path?: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.path !== undefined ? { path: this.path } : {}), ...this.details } };
  }
}

export const errors = {
  invalidRequest: (message: string, path?: string) => new ApiError(400, 'invalid_request', message, path),
  invalidJson: (message: string) => new ApiError(400, 'invalid_json', message),
  rejectedData: (message: string) => new ApiError(400, 'rejected_data', message),
  unauthorized: () => new ApiError(401, 'unauthorized', 'missing or unknown API key: send Authorization: Bearer <api key>'),
  notFound: (what: string) => new ApiError(404, 'not_found', `${what} not found`),
  conflict: (code: string, message: string, details?: Record<string, unknown>) => new ApiError(409, code, message, undefined, details),
  payloadTooLarge: (limit: number) => new ApiError(413, 'payload_too_large', `request body is larger than ${limit} bytes`),
  // Bad input like any other (SPEC §4 lists 400 for it, not 415).
  unsupportedMediaType: (type: string) => new ApiError(400, 'unsupported_media_type', `content type ${JSON.stringify(type.split(';')[0]!.trim())} is not accepted here (JSON routes take application/json; /v1/imports text/csv or multipart/form-data)`),
  unprocessable: (code: string, message: string, path?: string) => new ApiError(422, code, message, path),
  unavailable: () => new ApiError(503, 'warehouse_unavailable', 'the warehouse is unavailable, try again shortly'),
  timeout: () => new ApiError(504, 'query_timeout', 'the query ran past QUERY_TIMEOUT_MS'),
  internal: () => new ApiError(500, 'internal', 'internal error'),
} as const;
