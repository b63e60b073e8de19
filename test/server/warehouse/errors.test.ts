/**
 * SPEC §4: warehouse trouble is a 503 (unavailable) or 504 (timeout), never a
 * 500, and never shows the engine's message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerWarehouse, toWarehouseError } from '../../../server/warehouse/clickhouse.js';
import { EmbeddedWarehouse } from '../../../server/warehouse/chdb.js';
import { describeRejection, WarehouseFailure, WarehouseRejectedData, WarehouseTimeout, WarehouseTooComplex, WarehouseUnavailable } from '../../../server/warehouse/errors.js';
import { toApiError } from '../../../server/app.js';
import { call, testApp } from '../../support/api.js';
import { tempDir } from '../../support/warehouse.js';
import { migrate } from '../../../server/warehouse/migrations.js';

let embedded: EmbeddedWarehouse;
beforeAll(async () => {
  embedded = new EmbeddedWarehouse({ dataDir: tempDir(), queryTimeoutMs: 1_500 });
  await migrate(embedded);
});
afterAll(() => embedded.close());

describe('warehouse errors', () => {
  it('stops a query at QUERY_TIMEOUT_MS in the engine and reports a timeout', async () => {
    const started = Date.now();
    await expect(embedded.query('SELECT count() FROM numbers(10000000000) WHERE sipHash64(number) % 7 = 11')).rejects.toBeInstanceOf(WarehouseTimeout);
    expect(Date.now() - started).toBeLessThan(10_000);
    // To the millisecond: the engine takes fractions of a second (it had been rounded up to whole seconds).
    const { rows } = await embedded.query<{ limit: number }>(`SELECT toFloat64(getSetting('max_execution_time')) AS limit`);
    expect(rows).toEqual([{ limit: 1.5 }]);
  });

  it('reports a query the engine gives up parsing as too complex (422 too_complex), not a defect', async () => {
    // The parser's budget made small, so that a small query is "too slow to parse".
    await embedded.command('SET max_parser_backtracks = 100');
    try {
      const error = await embedded.query(`SELECT ${Array.from({ length: 200 }, (_, i) => `(${i} + 1)`).join(' + ')}`).catch((e) => e);
      expect(error).toBeInstanceOf(WarehouseTooComplex);
      expect(toApiError(error)).toMatchObject({ status: 422, code: 'too_complex' });
    } finally {
      await embedded.command('SET max_parser_backtracks = 1000000');
    }
  });

  it('reports a ClickHouse server that cannot be reached as unavailable', async () => {
    const server = new ServerWarehouse({ url: 'http://127.0.0.1:1', queryTimeoutMs: 2_000 });
    await expect(server.query('SELECT 1')).rejects.toBeInstanceOf(WarehouseUnavailable);
    await expect(server.ping()).rejects.toBeInstanceOf(WarehouseUnavailable);
    await server.close();
  });

  it('reports data the engine refuses as the client\'s fault, naming the row and the check', async () => {
    const error = await embedded.insert({ table: 'events', format: 'JSONEachRow' },
      Buffer.from('{"project":"p","user_id":"","source":"api","event":"e","timestamp":"2026-01-01 00:00:00"}\n')).catch((e) => e);
    expect(error).toBeInstanceOf(WarehouseRejectedData);
    expect(error.message).toBe('row 1: user_id must be 1 to 256 characters');
  });

  it('sorts a ClickHouse server\'s errors by their code before their words', () => {
    // The driver's ClickHouseError carries the engine's numeric code; a message may quote a value saying "abort".
    const engine = Object.assign(new Error('Code: 62. DB::Exception: Syntax error near \'abort\''), { code: '62', type: 'SYNTAX_ERROR' });
    expect(toWarehouseError(engine, false)).toBeInstanceOf(WarehouseFailure);
    expect(toWarehouseError(Object.assign(new Error('Timeout exceeded: elapsed 31 s'), { code: '159' }), false)).toBeInstanceOf(WarehouseTimeout);
    expect(toWarehouseError(Object.assign(new Error('The user aborted a request.'), { name: 'AbortError' }), false)).toBeInstanceOf(WarehouseTimeout);
    expect(toWarehouseError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false)).toBeInstanceOf(WarehouseUnavailable);
  });

  it('reports our own broken SQL as a failure, not as the client\'s fault', async () => {
    await expect(embedded.query('SELECT no_such_column FROM users')).rejects.toBeInstanceOf(WarehouseFailure);
  });

  it('maps each to its status without the engine\'s words', () => {
    const secret = 'Code: 999. DB::Exception: SELECT secret FROM internals';
    expect(toApiError(new WarehouseUnavailable(secret)).toJSON()).toEqual({ error: { code: 'warehouse_unavailable', message: expect.not.stringContaining('SELECT') } });
    expect(toApiError(new WarehouseUnavailable(secret)).status).toBe(503);
    expect(toApiError(new WarehouseTimeout(secret)).status).toBe(504);
    expect(toApiError(new WarehouseFailure(secret))).toMatchObject({ status: 500, message: 'internal error' });
    expect(toApiError(new WarehouseRejectedData('source must be jimo, segmentio, posthog or api', 3)).status).toBe(400);
  });

  it('keeps table ids and stack traces out of rejection messages', () => {
    expect(describeRejection('Code: 469. DB::Exception: Constraint `properties_flat` for table default.e (17643a07-0df6) is violated at row 12. Expression: (NOT ...')).toMatch(/^row 12: properties must map keys of 1 to 128 characters/);
    // A constraint without words of its own keeps its name.
    expect(describeRejection('Code: 469. DB::Exception: Constraint `some_rule` for table default.e (17643a07-0df6) is violated at row 3. Expression: (NOT ...')).toBe('row 3: some rule check failed');
    expect(describeRejection('Code: 117. DB::Exception: Unknown field found while parsing JSONEachRow format: zzz: (at row 4)\n: While executing ParallelParsingBlockInputFormat. (INCORRECT_DATA)'))
      .toBe('row 4: Unknown field found while parsing JSONEachRow format: zzz');
  });

  // Last: it closes the file's warehouse (chDB allows one data directory per process).
  it('answers 503 on /health and on writes when the warehouse is gone', async () => {
    const app = await testApp(embedded);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    await embedded.close();
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(503);
    const write = await call(app, 'POST', '/v1/events', { events: [{ user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z' }] });
    expect(write).toMatchObject({ status: 503, body: { error: { code: 'warehouse_unavailable' } } });
    await app.close();
  });
});
