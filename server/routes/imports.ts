/**
 * CSV imports: `text/csv` body or multipart `file`. Rows are upserted like
 * POST /v1/users (in the sheet's order); rows that cannot be read are
 * rejected one by one with their line number, never the whole file.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { MAX_BATCH, type UserWrite } from '../../model/schemas.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { UserStore } from '../ingest/users.js';
import { CsvError, idsByEmail, readCsv, type CsvReject, type Identifier } from '../ingest/csv.js';
import { toJsonLines } from '../ingest/rows.js';
import { toWarehouseTime } from '../../model/time.js';
import { charsetOf, decodeText, EncodingError } from '../../model/text.js';
import { ApiError, BODY_LIMIT, errors } from '../errors.js';
import type { SegmentStore } from '../segments/store.js';
import { segmentName } from './segments.js';
import { bodyText } from '../encoding.js';

interface ImportQuery {
  identifier: Identifier;
  create_segment: boolean;
  segment_name?: string;
  author?: string;
}

/** A tree matching exactly these users: `id in [...]`, 1000 ids a condition (SPEC §3.2 limits lists to 1000). */
export function exactlyTheseUsers(ids: readonly string[]): object {
  const conditions = [];
  for (let i = 0; i < ids.length; i += 1000) {
    conditions.push({ type: 'attribute', attribute: 'id', operator: 'in', value: ids.slice(i, i + 1000) });
  }
  return { op: 'or', conditions };
}

export const importRoutes: FastifyPluginAsync<{ warehouse: Warehouse; users: UserStore; segments: SegmentStore }> = async (app, { warehouse, users, segments }) => {
  // Plain fields are buffered whole by the parser, so they are smaller than files (a CSV sent as a
  // plain "file" field is limited to FIELD_LIMIT) and there are few of them: a form that sends more
  // is refused by name (400).
  await app.register(multipart, { limits: { fileSize: BODY_LIMIT, fieldSize: FIELD_LIMIT, files: 8, fields: 16, parts: 32 } });
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (request, body, done) => {
    try {
      done(null, bodyText(request, body as Buffer, charsetOf(request.headers['content-type'])));
    } catch (error) {
      done(error instanceof ApiError ? error : notText(error as EncodingError), undefined);
    }
  });

  app.post<{ Querystring: ImportQuery }>('/imports', {
    schema: {
      summary: 'Import users from CSV (text/csv body or multipart "file")',
      tags: ['ingestion'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          identifier: { type: 'string', enum: ['id', 'email'], default: 'id' },
          create_segment: { type: 'boolean', default: false },
          segment_name: { ...segmentName, description: 'name of the segment create_segment saves' },
          author: { type: 'string', maxLength: 256 },
        },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            import_id: { type: 'string' },
            added: { type: 'integer' },
            updated: { type: 'integer' },
            rejected: { type: 'integer' },
            rejects: { type: 'array', items: { type: 'object', properties: { row: { type: 'integer' }, reason: { type: 'string' } } } },
            segment_id: { type: ['string', 'null'] },
          },
        },
      },
    },
  }, async (request, reply) => {
    const { identifier, create_segment } = request.query;
    const text = await csvText(request, reply);
    let parsed;
    try {
      parsed = readCsv(text, identifier);
    } catch (error) {
      if (error instanceof CsvError) throw errors.invalidRequest(error.message);
      throw error;
    }
    const rejects: CsvReject[] = [...parsed.rejects];
    let writes: UserWrite[] = parsed.rows.map((r) => r.write);
    if (identifier === 'email') {
      const { rows } = parsed;
      const emails = [...new Set(rows.map((r) => r.email!))];
      const holders = await users.emails(request.project, emails, [...new Set([...rows.map((r) => r.write.id).filter(Boolean), ...emails])]);
      const ids = idsByEmail(rows, holders);
      writes = [];
      rows.forEach((r, i) => {
        if (ids[i] === undefined) rejects.push({ row: r.row, reason: 'email is longer than 256 characters: give the row an id' });
        else writes.push({ ...r.write, id: ids[i] });
      });
    }
    const imported = [...new Set(writes.map((w) => w.id))];
    if (create_segment && imported.length > 1000 * 1000) {
      throw errors.unprocessable('too_complex', 'a segment can list at most 1 000 000 imported users: nothing was imported', '/create_segment');
    }
    // Counted by row, so that added + updated + rejected is the number of rows: a row adds the user
    // it is the first to write when that user did not exist before the import (each such user is
    // created once), and updates otherwise.
    const created = new Set<string>();
    for (let i = 0; i < writes.length; i += MAX_BATCH) {
      const outcome = await users.upsert(request.project, writes.slice(i, i + MAX_BATCH));
      for (const id of outcome.created) created.add(id);
    }
    const added = created.size;
    rejects.sort((a, b) => a.row - b.row);
    const segment = create_segment && imported.length
      ? await segments.create(request.project, {
          name: request.query.segment_name ?? `Imported ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
          description: `The ${imported.length} users of a CSV import`,
          badge: { icon: '📥', label: 'Import' },
          conditions: exactlyTheseUsers(imported),
          author: request.query.author,
        })
      : undefined;
    const record = {
      project: request.project,
      id: randomUUID(),
      created_at: toWarehouseTime(Date.now()),
      identifier,
      added,
      updated: writes.length - added,
      rejected: rejects.length,
      rejects: JSON.stringify(rejects),
      user_ids: imported,
      segment_id: segment?.id ?? null,
    };
    await warehouse.insert({ table: 'imports', format: 'JSONEachRow' }, toJsonLines([record]));
    return { import_id: record.id, added: record.added, updated: record.updated, rejected: record.rejected, rejects, segment_id: record.segment_id };
  });
};

/** A CSV whose bytes are not text in its charset (a Latin-1 export sent as UTF-8): refused, not altered. */
const notText = (error: EncodingError) => errors.invalidRequest(`the CSV ${error.message}: send a file that is not UTF-8 as the body, with its charset (text/csv; charset=windows-1252)`);

const FIELD_LIMIT = 16 * 1024 * 1024;
const MULTIPART_LIMITS: Record<string, string> = { FST_FILES_LIMIT: 'more than 8 files', FST_FIELDS_LIMIT: 'more than 16 fields', FST_PARTS_LIMIT: 'more than 32 parts' };

async function csvText(request: FastifyRequest, reply: FastifyReply): Promise<string> {
  if (request.isMultipart()) return multipartCsv(request, reply);
  if (typeof request.body !== 'string') throw errors.invalidRequest('send the CSV as text/csv or as multipart "file"');
  return request.body;
}

async function multipartCsv(request: FastifyRequest, reply: FastifyReply): Promise<string> {
  // The part named "file", whether a file or a plain field (`form.append('file', csvText)`);
  // failing that, the first file part, whatever its name. Every part is read to the end, even
  // once the answer is known to be a refusal: a part left unread would stall the upload, and
  // with it the connection and the server's shutdown.
  let named: string | undefined;
  let anyFile: string | undefined;
  let refusal: ApiError | undefined;
  // Every part counts toward the body limit, the ones dropped too.
  let size = 0;
  const count = (bytes: number) => {
    size += bytes;
    if (size > BODY_LIMIT) refusal ??= errors.payloadTooLarge(BODY_LIMIT);
  };
  const keep = (text: string) => (count(Buffer.byteLength(text)), text);
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const wanted = !refusal && (part.fieldname === 'file' ? named === undefined : named === undefined && anyFile === undefined);
        if (!wanted) {
          for await (const chunk of part.file) count((chunk as Buffer).length);
          continue;
        }
        try {
          // A form's file part names no charset (the parser keeps only its type): UTF-8.
          const content = keep(decodeText(await part.toBuffer()));
          if (part.fieldname === 'file') named = content;
          else anyFile = content;
        } catch (error) {
          if (error instanceof EncodingError) refusal ??= notText(error);
          else if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') refusal ??= errors.payloadTooLarge(BODY_LIMIT);
          else throw error;
        }
      } else if (part.fieldname === 'file' && named === undefined && typeof part.value === 'string') {
        // A field past its limit arrives cut short, without an error: never import half a file.
        if (part.valueTruncated) refusal ??= new ApiError(413, 'payload_too_large', `a CSV sent as a plain field is limited to ${FIELD_LIMIT} bytes: send it as a file part`);
        else named = keep(part.value);
      } else {
        count(typeof part.value === 'string' ? Buffer.byteLength(part.value) : 0);
      }
    }
  } catch (error) {
    // The parser stopped reading (a limit, a malformed body): what is left of the upload is not
    // read, so the connection closes with the answer rather than wait for it.
    void reply.header('connection', 'close');
    const code = (error as { code?: string }).code ?? '';
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw errors.payloadTooLarge(BODY_LIMIT);
    if (MULTIPART_LIMITS[code]) throw errors.invalidRequest(`the multipart body has ${MULTIPART_LIMITS[code]}`);
    throw errors.invalidRequest(`not a readable multipart body: ${(error as Error).message}`, '/file');
  }
  if (refusal) throw refusal;
  const text = named ?? anyFile;
  if (text === undefined) throw errors.invalidRequest('multipart body has no "file" part', '/file');
  return text;
}
