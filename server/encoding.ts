/**
 * Request bodies as sent: SDKs that batch events compress them (`Content-Encoding: gzip`), which
 * Fastify passes on as it gets them. Inflated here, to at most the body limit (a small body that
 * inflates past it, a "zip bomb", is refused as too large); an encoding this server does not know
 * is refused by name rather than read as if it were none.
 */
import { brotliDecompressSync, gunzipSync, inflateSync, type ZlibOptions } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { decodeText } from '../model/text.js';
import { ApiError, BODY_LIMIT, errors } from './errors.js';

const INFLATE: Record<string, (body: Buffer, options: ZlibOptions) => Buffer> = {
  gzip: gunzipSync, 'x-gzip': gunzipSync, deflate: inflateSync, br: brotliDecompressSync,
};

export function inflateBody(body: Buffer, contentEncoding: string | string[] | undefined): Buffer {
  const encoding = String(contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  const inflate = INFLATE[encoding];
  if (!inflate) throw errors.invalidRequest(`Content-Encoding ${JSON.stringify(encoding)} is not accepted: send the body as it is, or gzip, deflate or br`);
  try {
    return inflate(body, { maxOutputLength: BODY_LIMIT });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw errors.payloadTooLarge(BODY_LIMIT);
    throw new ApiError(400, 'invalid_request', `the body is not valid ${encoding} data (Content-Encoding: ${encoding})`);
  }
}

/**
 * A request's body as text: inflated, then decoded in `charset` (UTF-8 unless given). Throws an
 * ApiError for the encoding, an EncodingError for bytes that are not text.
 */
export function bodyText(request: FastifyRequest, body: Buffer, charset?: string): string {
  return decodeText(inflateBody(body, request.headers['content-encoding']), charset);
}
