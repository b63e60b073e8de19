/** `segments load`: NDJSON in the HTTP shapes, parsed by the engine. */
import { Readable } from 'node:stream';
import { createReadStream, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load, ProjectLines } from '../../tools/load.js';
import { compileAudience } from '../../compiler/index.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { UserStore } from '../../server/ingest/users.js';
import { openTestWarehouse, tempDir } from '../support/warehouse.js';
import { fromWarehouseTime, parseTimestamp } from '../../model/time.js';

let warehouse: Warehouse;
let dispose: () => Promise<void>;
beforeAll(async () => ({ warehouse, dispose } = await openTestWarehouse()));
afterAll(() => dispose());

const lines = (...rows: unknown[]) => Readable.from([rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')]);

describe('segments load', () => {
  it('splices the project into each line at the byte level, across chunk boundaries', async () => {
    const out: Buffer[] = [];
    const transform = new ProjectLines('p1', 'events');
    transform.on('data', (b: Buffer) => out.push(b));
    const done = new Promise((resolve) => transform.on('end', resolve));
    const t = '"timestamp":"2026-01-01T00:00:00Z"';
    for (const piece of [`{${t},"a":1}\n{"b"`, `:2,${t}}\r\n\n  {  ${t}}\n`, `{${t}}`]) transform.write(Buffer.from(piece));
    transform.end();
    await done;
    expect(Buffer.concat(out).toString()).toBe(`{"project":"p1",${t},"a":1}\n{"project":"p1","b":2,${t}}\n{"project":"p1",  ${t}}\n{"project":"p1",${t}}\n`);
  });

  it('loads events with any property keys, the same as the HTTP API stores them', async () => {
    const { rows } = await load(warehouse, {
      project: 'lp', kind: 'events',
      input: lines(
        { user_id: 'u1', source: 'api', event: 'buy', timestamp: '2026-03-01T10:00:00.000+01:00', properties: { 'a.b': 1, plan: 'pro' } },
        { user_id: 'u2', source: 'jimo', event: 'view', timestamp: '2026-03-01T10:00:00Z', properties: { '50%': 'half', 'x.%': true } },
        '',
        { user_id: 'u3', source: 'posthog', event: '$pageview', timestamp: '2026-03-01T10:00:00.5Z' },
      ),
    });
    expect(rows).toBe(3);
    const result = await warehouse.query<{ user_id: string; ts: string; props: string }>(
      `SELECT user_id, toString(timestamp) AS ts, toString(properties) AS props FROM events WHERE project = 'lp' ORDER BY user_id`);
    expect(result.rows).toEqual([
      { user_id: 'u1', ts: '2026-03-01 09:00:00.000', props: '{"a%2Eb":1,"plan":"pro"}' },
      { user_id: 'u2', ts: '2026-03-01 10:00:00.000', props: '{"50%25":"half","x%2E%25":true}' },
      { user_id: 'u3', ts: '2026-03-01 10:00:00.500', props: '{}' },
    ]);
  });

  it('takes keys of exactly 128 characters however they are stored, and lists whose strings read "null"', async () => {
    const keys = ['k'.repeat(128), 'é'.repeat(128), '.'.repeat(128), `${'%'.repeat(64)}${'.'.repeat(64)}`];
    const { rows } = await load(warehouse, {
      project: 'lp-keys', kind: 'events',
      input: lines(
        { user_id: 'u1', source: 'api', event: 'e', timestamp: '2026-03-01T10:00:00Z', properties: Object.fromEntries(keys.map((k, i) => [k, i])) },
        { user_id: 'u2', source: 'api', event: 'e', timestamp: '2026-03-01T10:00:00Z', properties: { tags: ['null', 'say "null"', '[null]'], gone: null } },
      ),
    });
    expect(rows).toBe(2);
    const stored = await warehouse.query<{ n: number }>(`SELECT length(JSONAllPaths(properties)) AS n FROM events WHERE project = 'lp-keys' ORDER BY user_id`);
    expect(stored.rows.map((r) => Number(r.n))).toEqual([4, 1]);
  });

  it('encodes a key whose % is written as an escape, as the API stores it', async () => {
    await load(warehouse, { project: 'lp-pct', kind: 'events', input: lines('{"user_id":"u","source":"api","event":"e","timestamp":"2026-03-01T10:00:00Z","properties":{"50\\u0025.x":1}}') });
    const { rows } = await warehouse.query<{ props: string }>(`SELECT toString(properties) AS props FROM events WHERE project = 'lp-pct'`);
    expect(rows).toEqual([{ props: '{"50%25%2Ex":1}' }]);
  });

  it('stores an integer past 64 bits as the double it is, as the API does, in properties and answers', async () => {
    await load(warehouse, {
      project: 'lp-big', kind: 'events',
      input: lines(
        '{"user_id":"u1","source":"api","event":"e","timestamp":"2026-03-01T10:00:00Z","properties":{"x":100000000000000000000,"y":-9223372036854775809,"id":"12345678901234567890"}}',
        '{"user_id":"u2","source":"api","event":"e","timestamp":"2026-03-01T10:00:00Z","properties":{"x":1}}',
      ),
    });
    await load(warehouse, { project: 'lp-big', kind: 'answers', input: lines('{"user_id":"u1","experience":"nps","step":"s","value":100000000000000000000,"timestamp":"2026-03-01T10:00:00Z"}') });
    const events = await warehouse.query<{ user_id: string; x: string; y: string; id: string }>(`SELECT user_id, dynamicType(properties.x) AS x, dynamicType(properties.y) AS y, dynamicType(properties.id) AS id FROM events WHERE project = 'lp-big' ORDER BY user_id`);
    expect(events.rows).toEqual([{ user_id: 'u1', x: 'Float64', y: 'Float64', id: 'String' }, { user_id: 'u2', x: 'Int64', y: 'None', id: 'None' }]);
    const answers = await warehouse.query<{ t: string; v: number }>(`SELECT dynamicType(value) AS t, toFloat64(value.Float64) AS v FROM answers WHERE project = 'lp-big'`);
    expect(answers.rows).toEqual([{ t: 'Float64', v: 1e20 }]);
  });

  it('keeps integers as written, and they compare as the doubles they round to (SPEC §3.2 rule 6)', async () => {
    await load(warehouse, { project: 'lb', kind: 'users', input: lines({ id: 'big' }) });
    await load(warehouse, { project: 'lb', kind: 'events', input: lines('{"user_id":"big","source":"api","event":"e","timestamp":"2026-03-01T00:00:00Z","properties":{"n":9007199254740993}}') });
    const cases: Array<[string, number, number]> = [['eq', 2 ** 53, 1], ['gt', 2 ** 53 - 1, 1], ['neq', 2 ** 53, 0]];
    for (const [operator, value, expected] of cases) {
      const tree = { op: 'and', conditions: [{ type: 'event', source: 'api', event: 'e', where: [{ property: 'n', operator, value }] }] };
      const { sql, params } = compileAudience(tree, { project: 'lb', now: new Date('2026-06-01T00:00:00Z'), resolveSegment: () => undefined }, { kind: 'count' });
      const { rows } = await warehouse.query<{ count: number }>(sql, params);
      expect(Number(rows[0]!.count), `${operator} ${value}`).toBe(expected);
    }
  });

  it('loads interactions and answers', async () => {
    await load(warehouse, { project: 'lp', kind: 'interactions', input: lines({ user_id: 'u1', experience: 't', interaction: 'seen', timestamp: '2026-03-01T00:00:00Z' }) });
    await load(warehouse, { project: 'lp', kind: 'answers', input: lines({ user_id: 'u1', experience: 'nps', step: 's', value: 10, timestamp: '2026-03-01T00:00:00Z' }) });
    const { rows } = await warehouse.query<{ n: number }>(`SELECT (SELECT count() FROM interactions WHERE project = 'lp') + (SELECT count() FROM answers WHERE project = 'lp') AS n`);
    expect(Number(rows[0]!.n)).toBe(2);
  });

  it('stores every timestamp form the API accepts as the instant the API reads', async () => {
    const forms = ['2026-03-01', '2026-03-01T10:00Z', '2026-03-01T10:00:00Z', '2026-03-01T10:00:00.5Z', '2026-03-01T10:00:00.123456789Z',
      '2026-03-01 10:00:00Z', '2026-03-01T10:00:00+01:00', '2026-03-01T10:00:00+0100', '2026-03-01T10:00:00+01', '2026-03-01T10:00:00-18:00',
      '2026-03-01T10:00:00+05:30', '2026-03-01T00:30:00+01:00', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2024-02-29T12:00:00.000Z',
      '1969-12-31T23:59:59.999Z', '2026-03-01T10:00:00.000+00:00'];
    await load(warehouse, { project: 'lp-forms', kind: 'events', input: lines(...forms.map((timestamp, i) => ({ user_id: `u${i}`, source: 'api', event: 'e', timestamp }))) });
    const { rows } = await warehouse.query<{ user_id: string; t: string }>(`SELECT user_id, toString(timestamp) AS t FROM events WHERE project = 'lp-forms'`);
    const stored = new Map(rows.map((r) => [r.user_id, fromWarehouseTime(r.t)]));
    expect(forms.map((_, i) => stored.get(`u${i}`))).toEqual(forms.map((f) => new Date(parseTimestamp(f)!).toISOString()));
  });

  // The engine's best-effort parser took all of these (a zone-less time as UTC, a number as milliseconds).
  const timestamps: Array<[string, unknown]> = [
    ['a time without a zone', '2026-03-01T10:00:00'], ['a US date', '01/11/2026'], ['epoch milliseconds', 1772359200000],
    ['null', null], ['a day that does not exist', '2026-02-30T00:00:00Z'], ['an offset beyond ±18:00', '2026-03-01T10:00:00+25:00'],
    ['year 0', '0000-06-01T00:00:00.000Z'], ['words', 'yesterday'], ['a canonical shape with a bad hour', '2026-03-01T24:00:00.000Z'],
  ];
  for (const [name, timestamp] of timestamps) {
    it(`refuses ${name} as a timestamp, as the API does`, async () => {
      const good = { user_id: 'u', source: 'api', event: 'ok', timestamp: '2026-01-01T00:00:00Z' };
      await expect(load(warehouse, { project: 'bad-ts', kind: 'events', input: lines(good, { ...good, timestamp }) }))
        .rejects.toThrow(/^line 2: \/timestamp must be (an ISO 8601 timestamp with Z or an offset \(or a YYYY-MM-DD date\)|string) \(nothing was loaded\)$/);
    });
  }

  it('finds the timestamp however the line is written: beside a property named so, or with an escaped key', async () => {
    const refused = [
      '{"user_id":"u","source":"api","event":"e","timestamp":"2026-01-01T00:00:00","properties":{"timestamp":"2026-01-01T00:00:00Z"}}',
      '{"user_id":"u","source":"api","event":"e","properties":{"timestamp":"2026-01-01T00:00:00Z"},"timestamp":"2026-01-01T00:00:00"}',
      '{"user_id":"u","source":"api","event":"e","timest\\u0061mp":"2026-01-01T00:00:00"}',
      '{"user_id":"u","source":"api","event":"e","timest\\u0061mp":"2026-01-01T00:00:00","properties":{"timestamp":"2026-01-01T00:00:00Z"}}',
      '{"user_id":"u","source":"api","event":"e","timestamp" : "2026-01-01T00:00:00"}',
      // The engine fills the column from a field named in any case.
      '{"user_id":"u","source":"api","event":"e","TimeStamp":"01/11/2026"}',
      '{"user_id":"u","source":"api","event":"e","properties":{"timestamp":"2026-01-01T00:00:00Z"},"TIMESTAMP":"2026-01-01T00:00:00"}',
      // An escape in the line's last bytes.
      '{"user_id":"u","source":"api","event":"e","properties":{"timestamp":"2026-01-01T00:00:00Z"},"timestam\\u0070":5}',
    ];
    for (const line of refused) {
      await expect(load(warehouse, { project: 'bad-ts', kind: 'events', input: lines(line) }), line).rejects.toThrow(/^line 1: \/timestamp (must be|is required)/);
    }
    const { rows } = await load(warehouse, {
      project: 'lp-ts-prop', kind: 'events',
      input: lines('{"user_id":"u","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z","properties":{"timestamp":"soon"}}', '{"user_id":"u","source":"api","event":"timestamp","timestamp" : "2026-01-01T00:00:00+01:00"}'),
    });
    expect(rows).toBe(2);
    // A timestamp only inside the properties is a missing one.
    await expect(load(warehouse, { project: 'bad-ts', kind: 'events', input: lines('{"user_id":"u","source":"api","event":"e","properties":{"timestamp":"2026-01-01T00:00:00Z"}}') }))
      .rejects.toThrow(/^line 1: \/timestamp is required/);
  });

  it('refuses a null in a list answer, and takes strings that merely read ",null"', async () => {
    await expect(load(warehouse, { project: 'bad-null', kind: 'answers', input: lines({ user_id: 'u', experience: 't', step: 's', value: ['a', null], timestamp: '2026-03-01T10:00:00Z' }) }))
      .rejects.toThrow(/^line 1: \/value must be a string, a finite number or an array of strings \(nothing was loaded\)$/);
    const { rows } = await load(warehouse, {
      project: 'lp-null', kind: 'answers',
      input: lines({ user_id: 'u', experience: 't', step: 's', value: ['a,null', '[null'], timestamp: '2026-03-01T10:00:00Z' }),
    });
    expect(rows).toBe(1);
  });

  it('reads properties that are null as none, as the API does (SDKs send an event without properties so)', async () => {
    const { rows } = await load(warehouse, { project: 'lp-null-props', kind: 'events', input: lines('{"user_id":"u","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z","properties":null}') });
    expect(rows).toBe(1);
    const stored = await warehouse.query<{ n: number; keys: number }>("SELECT count() AS n, sum(length(JSONAllPaths(properties))) AS keys FROM events WHERE project = 'lp-null-props'");
    expect(stored.rows.map((r) => [Number(r.n), Number(r.keys)])).toEqual([[1, 0]]);
  });

  it('names a key given twice in one object, which the engine refuses (the API keeps the last)', async () => {
    const base = '"source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z"';
    await expect(load(warehouse, { project: 'lp-twice', kind: 'events', input: lines(`{"user_id":"u",${base},"properties":{"a":1,"a":2}}`) }))
      .rejects.toThrow(/^line 1: the key "a" appears twice in one object \(the API keeps the last; load refuses the line\)/);
    await expect(load(warehouse, { project: 'lp-twice', kind: 'events', input: lines(`{"user_id":"u","user_id":"v",${base}}`) }))
      .rejects.toThrow(/^line 1: the key "user_id" appears twice in one object/);
    // Keys as written: spaces kept, dots decoded.
    for (const key of ['my key', 'a.b']) {
      await expect(load(warehouse, { project: 'lp-twice', kind: 'events', input: lines(`{"user_id":"u",${base},"properties":{${JSON.stringify(key)}:1,${JSON.stringify(key)}:2}}`) }))
        .rejects.toThrow(`line 1: the key ${JSON.stringify(key)} appears twice in one object`);
    }
    // A project in the line is no field of the API's (the loader writes the project itself).
    await expect(load(warehouse, { project: 'lp-twice', kind: 'events', input: lines(`{"user_id":"u",${base},"project":"other"}`) }))
      .rejects.toThrow(/^line 1: \/project is not a known field/);
  });

  // Lines the engine would read otherwise than the API: each is read here and refused as the API refuses it.
  const otherwise: Array<[string, string, RegExp]> = [
    ['a timestamp key spelled with an escaped capital', '{"user_id":"u","source":"api","event":"e","TIMEST\\u0041MP":"01/11/2026","properties":{"timestamp":"2026-01-01T00:00:00Z"}}', /^line 1: \/timestamp is required/],
    ['a second object on the line, naming its project', '{"user_id":"u","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z"},{"project":"other","user_id":"x","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z"}', /^line 1: /],
    ['a second object on the line, without a comma', '{"user_id":"u","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z"}{"user_id":"x","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z"}', /^line 1: /],
    ['a comma after the object', '{"user_id":"u","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z"},', /^line 1: /],
    ['an empty object in the properties', '{"user_id":"u","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z","properties":{"a":{},"b":1}}', /^line 1: \/properties\/a must be a string/],
    // The engine reads the four bytes after \u whatever they are: a quote among them ends no string
    // for it, and the second object it then sees named its own project.
    ['a \\u without four hex digits, hiding a second object', '{"timestamp":"2026-01-01T00:00:00Z","source":"api","event":"e","user_id":"u\\u"abc"}{"project":"other","user_id":"v","source":"api","timestamp":"2026-01-01T00:00:00Z","event":"b\\""}', /^line 1: not valid JSON/],
    ['an unescaped Windows path', '{"user_id":"C:\\users\\bob","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z"}', /^line 1: not valid JSON/],
    ['an escape JSON does not have', '{"user_id":"\\x41","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z"}', /^line 1: not valid JSON/],
    ['a raw tab inside a string', '{"user_id":"a\tb","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z"}', /^line 1: not valid JSON/],
    ['a form feed between fields', '{\f"user_id":"u","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z"}', /^line 1: not valid JSON/],
  ];
  for (const [index, [name, line, message]] of otherwise.entries()) {
    it(`refuses ${name}, as the API does`, async () => {
      await expect(load(warehouse, { project: `bad-otherwise-${index}`, kind: 'events', input: lines(line) })).rejects.toThrow(message);
      const { rows } = await warehouse.query<{ n: number }>(`SELECT count() AS n FROM events WHERE project IN ('bad-otherwise-${index}', 'other', '')`);
      expect(Number(rows[0]!.n)).toBe(0);
    });
  }

  it('refuses numbers JSON does not have and field names in capitals, which the engine reads, as the API does', async () => {
    const answer = (value: string) => `{"user_id":"u","experience":"x","step":"s","value":${value},"timestamp":"2026-01-01T00:00:00Z"}`;
    for (const value of ['+1', '01', '-01', '.5', '-.5', '1.', '0.', '+1e5', `${'['.repeat(5000)}${']'.repeat(5000)}`]) {
      await expect(load(warehouse, { project: 'bad-numbers', kind: 'answers', input: lines(answer(value)) }), value.slice(0, 10)).rejects.toThrow(/^line 1: (not valid JSON|.*nest)/);
    }
    await expect(load(warehouse, { project: 'bad-case', kind: 'events', input: lines('{"USER_ID":"u","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z"}') }))
      .rejects.toThrow(/^line 1: \/user_id is required/);
    const { rows } = await warehouse.query<{ n: number }>(`SELECT count() AS n FROM answers WHERE project IN ('bad-numbers', 'bad-case')`);
    expect(Number(rows[0]!.n)).toBe(0);
    // What JSON does have still goes straight to the engine: capitals in values and lists, exponents, fractions.
    const good = ['0', '-0.5', '1.05', '1e-05', '1E+5', '2.5e3', '["A","B"]', '0.0003333333333333333'];
    const loaded = await load(warehouse, { project: 'lp-numbers', kind: 'answers', input: lines(...good.map((v, i) => answer(v).replace('"u"', `"U${i}"`))) });
    expect(loaded.rows).toBe(good.length);
  });

  it('refuses an answer too large to be a finite number, as the API does', async () => {
    await expect(load(warehouse, { project: 'bad-inf', kind: 'answers', input: lines('{"user_id":"u","experience":"t","step":"s","value":1e400,"timestamp":"2026-03-01T10:00:00Z"}') }))
      .rejects.toThrow(/^line 1: value must be a string, a finite number or an array of strings/);
  });

  it('refuses bytes that are not UTF-8, naming the line, as the API refuses such a body (nothing stored as U+FFFD)', async () => {
    const latin1 = (text: string) => Readable.from([Buffer.from(text, 'latin1')]);
    const good = '{"user_id":"ok","source":"api","event":"e","timestamp":"2026-03-01T10:00:00Z"}\n';
    await expect(load(warehouse, { project: 'lp-latin1', kind: 'users', input: latin1('{"id":"ok"}\n\n{"id":"jos\u00e9"}\n') }))
      .rejects.toThrow(/^line 3: not valid UTF-8 .* \(nothing was loaded\)$/);
    await expect(load(warehouse, { project: 'lp-latin1', kind: 'events', input: latin1(`${good}{"user_id":"jos\u00e9","source":"api","event":"caf\u00e9","timestamp":"2026-03-01T10:00:00Z"}\n`) }))
      .rejects.toThrow(/^line 2: not valid UTF-8 .* \(nothing was loaded\)$/);
    const { rows } = await warehouse.query<{ n: number }>(`SELECT (SELECT count() FROM users WHERE project = 'lp-latin1') + (SELECT count() FROM events WHERE project = 'lp-latin1') AS n`);
    expect(Number(rows[0]!.n)).toBe(0);
    // The same text in UTF-8 loads.
    await load(warehouse, { project: 'lp-latin1', kind: 'users', input: lines({ id: 'jos\u00e9' }) });
  });

  it('reads a 19-digit number wherever JSON allows it, after a carriage return too', async () => {
    await load(warehouse, { project: 'lp-cr', kind: 'events', input: lines('{"user_id":"u","source":"api","event":"e","timestamp":"2026-03-01T10:00:00Z","properties":{"a":\r99999999999999999999}}') });
    const { rows } = await warehouse.query<{ t: string }>(`SELECT dynamicType(properties.a) AS t FROM events WHERE project = 'lp-cr'`);
    expect(rows).toEqual([{ t: 'Float64' }]);
  });

  it('checks the timestamps of interactions and answers alike', async () => {
    await expect(load(warehouse, { project: 'bad-ts', kind: 'interactions', input: lines({ user_id: 'u', experience: 't', interaction: 'seen', timestamp: '2026-03-01 10:00' }) }))
      .rejects.toThrow(/^line 1: \/timestamp must be/);
    await expect(load(warehouse, { project: 'bad-ts', kind: 'answers', input: lines({ user_id: 'u', experience: 't', step: 's', value: 1, timestamp: 1772359200 }) }))
      .rejects.toThrow(/^line 1: \/timestamp must be/);
    await expect(load(warehouse, { project: 'bad-ts', kind: 'answers', input: lines({ user_id: 'u', experience: 't', step: 's', value: 1, TIMESTAMP: 1772359200 }) }))
      .rejects.toThrow(/^line 1: \/timestamp is required/);
  });

  it('loads users through the upsert merge', async () => {
    await load(warehouse, {
      project: 'lp', kind: 'users',
      input: lines({ id: 'lu', name: 'A', attributes: { x: 1, y: 2 } }, { id: 'lu', attributes: { y: null } }),
    });
    expect((await new UserStore(warehouse).read('lp', ['lu'])).get('lu')).toMatchObject({ name: 'A', attributes: { x: 1 } });
  });

  it('reads users lines as it reads the other kinds: split at newlines only, CRLF endings and a CR between fields alike', async () => {
    const { rows } = await load(warehouse, {
      project: 'lp-cr-users', kind: 'users',
      input: Readable.from([Buffer.from('\ufeff{"id":"a",\r"name":"A"}\r\n{"id":"b"'), Buffer.from(',"name":"B"}\r\n\r\n{"id":"c"}')]),
    });
    expect(rows).toBe(3);
    const read = await new UserStore(warehouse).read('lp-cr-users', ['a', 'b', 'c']);
    expect([...read.values()].map((u) => u.name)).toEqual(['A', 'B', null]);
  });

  it('passes ordinary JSON on as its bytes, untouched: numbers of every JSON form, capitals in values, unicode keys', async () => {
    const line = '{ "user_id":"U1","source":"api","event":"Purchase Completed","timestamp":"2026-06-11T10:00:00.000Z","properties":{"Plan":"Pro","amount":12.5,"n":-3,"z":0,"small":0.0003333333333333333,"e":1E+10,"f":-1.0e-07,"tags":["A","b"],"日本":true,"$x":[]}}';
    const out: Buffer[] = [];
    const transform = new ProjectLines('p1', 'events');
    transform.on('data', (b: Buffer) => out.push(b));
    const done = new Promise((resolve) => transform.on('end', resolve));
    transform.end(Buffer.from(`${line}\n`));
    await done;
    // A line read and written again in JavaScript would have lost the space after its brace.
    expect(Buffer.concat(out).toString()).toBe(`{"project":"p1", ${line.slice(2)}\n`);
  });

  it('reads a byte order mark split across the first chunks, and a long line in many chunks', async () => {
    const line = JSON.stringify({ user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z', properties: { pad: 'x'.repeat(3_000_000) } });
    const bytes = Buffer.concat([Buffer.from([0xef]), Buffer.from([0xbb, 0xbf]), Buffer.from(`${line}\n`)]);
    const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 2), ...Array.from({ length: Math.ceil((bytes.length - 2) / 65536) }, (_, i) => bytes.subarray(2 + i * 65536, 2 + (i + 1) * 65536))];
    const { rows } = await load(warehouse, { project: 'lp-chunks', kind: 'events', input: Readable.from(chunks) });
    expect(rows).toBe(1);
  });

  it('reads a file that starts with a UTF-8 byte order mark', async () => {
    const event = JSON.stringify({ user_id: 'bom', source: 'api', event: 'bom', timestamp: '2026-01-01T00:00:00Z' });
    await load(warehouse, { project: 'bom', kind: 'events', input: Readable.from([Buffer.from(`\uFEFF${event}\n`)]) });
    await load(warehouse, { project: 'bom', kind: 'users', input: Readable.from([Buffer.from(`\uFEFF${JSON.stringify({ id: 'bom' })}\n`)]) });
    const { rows } = await warehouse.query<{ n: number }>(`SELECT (SELECT count() FROM events WHERE project = 'bom') + (SELECT count() FROM users WHERE project = 'bom') AS n`);
    expect(rows).toEqual([{ n: 2 }]);
  });

  it('refuses a user line with the message and pointer POST /v1/users gives', async () => {
    await expect(load(warehouse, { project: 'lp', kind: 'users', input: lines({ id: 'ok' }, '', { id: 'bad', attributes: { x: { nested: 1 } } }) }))
      .rejects.toThrow('line 3: /attributes/x must be a string, a finite number, a boolean, an array of strings, or null');
  });

  it('refuses a user line holding a lone surrogate, naming it', async () => {
    await expect(load(warehouse, { project: 'lp', kind: 'users', input: lines({ id: 'ok' }, { id: 'lone', attributes: { x: '\udc00' } }) }))
      .rejects.toThrow(/^line 2: \/attributes\/x is not well-formed Unicode text/);
  });

  const bad: Array<[string, object | string, RegExp]> = [
    ['an unknown source', { user_id: 'u', source: 'mixpanel', event: 'e', timestamp: '2026-01-01T00:00:00Z' }, /source must be jimo, segmentio, posthog or api/],
    ['a nested property', { user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z', properties: { a: { b: 1 } } }, /^line 2: \/properties\/a must be a string/],
    // SPEC §2: keys of 1 to 128 characters, lists of strings, as POST /v1/events refuses them.
    ['an empty property key', { user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z', properties: { '': 1 } }, /^line 2: properties must map keys/],
    ['a property key of 129 characters', { user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z', properties: { ['k'.repeat(129)]: 1 } }, /^line 2: properties must map keys/],
    ['a property key of 129 characters, dots counted once', { user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z', properties: { ['.'.repeat(129)]: 1 } }, /^line 2: properties must map keys/],
    ['a null in a list', { user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z', properties: { tags: ['a', null] } }, /^line 2: \/properties\/tags must be a string, a finite number, a boolean, an array of strings, or null \(nothing was loaded\)$/],
    ['a null first in a list, spaced', '{"user_id":"u","source":"api","event":"e","timestamp":"2026-01-01T00:00:00Z","properties":{"tags":[ null ]}}', /^line 2: \/properties\/tags must be/],
    ['a list of numbers', { user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z', properties: { tags: [1, 2] } }, /^line 2: properties must map keys/],
    ['a missing timestamp', { user_id: 'u', source: 'api', event: 'e' }, /^line 2: \/timestamp is required/],
    ['an unknown field', { user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z', extra: 1 }, /extra/i],
    ['a project of its own', { project: 'other', user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z' }, /project/],
    // The engine matches field names in any case: the spliced project is never overridden.
    ['a project of its own, in capitals', { user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z', PROJECT: 'other' }, /project/i],
    ['a line that is not an object', '[1,2]', /^line 2: not a JSON object \(nothing was loaded\)$/],
    // The engine's parser would read these as their text: the HTTP API refuses them.
    ['an event name that is an array', { user_id: 'u', source: 'api', event: ['e'], timestamp: '2026-01-01T00:00:00Z' }, /^line 2: .*key event\) \(nothing was loaded\)$/],
    ['a user id that is a number', { user_id: 5, source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z' }, /^line 2: .*key user_id\) \(nothing was loaded\)$/],
    // The engine refused a lone high surrogate in a way that named no line, and stored a lone low one as U+FFFD.
    ['a lone high surrogate', { user_id: 'u', source: 'api', event: 'e\ud800', timestamp: '2026-01-01T00:00:00Z' }, /^line 2: \/event is not well-formed Unicode text/],
    ['a lone low surrogate', { user_id: 'u', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z', properties: { p: '\udc00' } }, /^line 2: \/properties\/p is not well-formed/],
  ];
  for (const [name, line, message] of bad) {
    it(`refuses ${name}`, async () => {
      const good = { user_id: 'u', source: 'api', event: 'ok', timestamp: '2026-01-01T00:00:00Z' };
      await expect(load(warehouse, { project: 'bad', kind: 'events', input: lines(good, line) })).rejects.toThrow(message);
    });
  }

  it('names the line of the file a refused row came from, blank lines counted', async () => {
    const good = JSON.stringify({ user_id: 'u', source: 'api', event: 'ok', timestamp: '2026-01-01T00:00:00Z' });
    const input = Readable.from([`${good}\n\n${good}\n   \n\n${JSON.stringify({ user_id: 'u', source: 'mixpanel', event: 'e', timestamp: '2026-01-01T00:00:00Z' })}\n`]);
    await expect(load(warehouse, { project: 'bad', kind: 'events', input })).rejects.toThrow(/^line 6: source must be jimo, segmentio, posthog or api \(nothing was loaded\)$/);
  });

  it('names the right line past the first ~8 MiB, which the embedded engine takes as a separate INSERT', async () => {
    const good = JSON.stringify({ user_id: 'u', source: 'api', event: 'ok', timestamp: '2026-01-01T00:00:00Z', properties: { pad: 'x'.repeat(100) } });
    const count = Math.ceil((12 * 1024 * 1024) / good.length);
    const bad = JSON.stringify({ user_id: 'u', source: 'mixpanel', event: 'e', timestamp: '2026-01-01T00:00:00Z' });
    const input = Readable.from(['\n', ...Array.from({ length: count }, () => `${good}\n`), `${bad}\n`]);
    const error = await load(warehouse, { project: 'big-bad', kind: 'events', input }).catch((e: Error) => e);
    // The chunks before the refused one are on disk: the message says how many rows, through which line.
    const [, stored, through] = /^line \d+: source must be jimo, segmentio, posthog or api \(its first (\d+) rows, through line (\d+), were loaded: resume after that line\)$/.exec((error as Error).message) ?? [];
    expect((error as Error).message).toMatch(new RegExp(`^line ${count + 2}: `));
    const { rows } = await warehouse.query<{ n: number }>(`SELECT count() AS n FROM events WHERE project = 'big-bad'`);
    expect([Number(stored), Number(through)]).toEqual([rows[0]!.n, rows[0]!.n + 1]);
    expect(rows[0]!.n).toBeGreaterThan(0);
    // A line refused here rather than by the engine says the same.
    const own = Readable.from([...Array.from({ length: count }, () => `${good}\n`), '[1,2]\n']);
    await expect(load(warehouse, { project: 'big-bad-own', kind: 'events', input: own }))
      .rejects.toThrow(new RegExp(`^line ${count + 1}: not a JSON object \\(its first \\d+ rows, through line \\d+, were loaded: resume after that line\\)$`));
  });

  it('says which users a load stopped by a bad line had written: batches of 10 000, or nothing', async () => {
    const good = (n: number) => JSON.stringify({ id: `u${n}`, sessions: n });
    const bad = JSON.stringify({ id: 'bad', sessions: -1 });
    const input = Readable.from([Array.from({ length: 10_500 }, (_, n) => good(n)).join('\n') + `\n${bad}\n`]);
    await expect(load(warehouse, { project: 'users-stopped', kind: 'users', input }))
      .rejects.toThrow(/^line 10501: \/sessions must be >= 0 \(its first 10000 users, through line 10000, were loaded: resume after that line\)$/);
    const { rows } = await warehouse.query<{ n: number }>(`SELECT count() AS n FROM users FINAL WHERE project = 'users-stopped'`);
    expect(Number(rows[0]!.n)).toBe(10_000);
    await expect(load(warehouse, { project: 'users-stopped-early', kind: 'users', input: lines(JSON.parse(good(1)), JSON.parse(bad)) }))
      .rejects.toThrow(/^line 2: \/sessions must be >= 0 \(nothing was loaded\)$/);
  });

  it('gives the API\'s reason for a line of a file the engine refused, read again from the file', async () => {
    const file = `${tempDir()}/events.ndjson`;
    const good = { user_id: 'u', source: 'api', event: 'ok', timestamp: '2026-01-01T00:00:00Z' };
    const cases: Array<[object, RegExp]> = [
      [{ ...good, extra: 1 }, /^line 3: \/extra is not a known field \(nothing was loaded\)$/],
      [{ user_id: 'u', source: 'api', timestamp: '2026-01-01T00:00:00Z' }, /^line 3: \/event is required \(nothing was loaded\)$/],
    ];
    for (const [line, reason] of cases) {
      writeFileSync(file, `${JSON.stringify(good)}\n\n${JSON.stringify(line)}\n`);
      await expect(load(warehouse, { project: 'file-bad', kind: 'events', input: createReadStream(file), file })).rejects.toThrow(reason);
    }
    // A file that cannot be read again (gone since, or a pipe) leaves the engine's reason, line and note.
    const input = createReadStream(file);
    await expect(load(warehouse, { project: 'file-bad', kind: 'events', input, file: `${file}.gone` }))
      .rejects.toThrow(/^line 3: event must be 1 to 256 characters \(nothing was loaded\)$/);
  });

  it('runs from the command line, reading standard input, with a summary', () => {
    const dataDir = tempDir();
    const input = JSON.stringify({ user_id: 'cli', source: 'api', event: 'e', timestamp: '2026-01-01T00:00:00Z' }) + '\n';
    // A piped stdin: the case where the embedded engine would otherwise read it itself.
    const run = spawnSync('node', ['bin/segments.js', 'load', '--project', 'cli', '--kind', 'events', '-'], {
      input, env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('loaded 1 events into cli');
    // /dev/stdin names the same input (the command moves its standard input elsewhere: bin/segments.js).
    const named = spawnSync('node', ['bin/segments.js', 'load', '--project', 'cli', '--kind', 'events', '/dev/stdin'], {
      input, env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8',
    });
    expect(named.status, named.stderr).toBe(0);
    expect(named.stderr).toContain('loaded 1 events into cli');
    // A directory is named as one, before anything is opened.
    const directory = spawnSync('node', ['bin/segments.js', 'load', '--project', 'cli', '--kind', 'events', dataDir], {
      env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8',
    });
    expect(directory.status).toBe(1);
    expect(directory.stderr.trim()).toBe(`segments: ${dataDir} is a directory: give an NDJSON file, or - for standard input`);
  }, 60_000);
});
