/** SPEC §4 POST /v1/imports: CSV to users, typed cells, identifier choice, per-row rejects. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { KEYS, useTestApp } from '../support/api.js';
import type { Warehouse } from '../../server/warehouse/warehouse.js';
import { UserStore } from '../../server/ingest/users.js';
import { typedCell } from '../../server/ingest/csv.js';

let app: FastifyInstance;
let warehouse: Warehouse;
let store: UserStore;

useTestApp((ready) => ({ app, warehouse } = ready));
beforeAll(async () => {
  store = new UserStore(warehouse);
});

async function importCsv(csv: string, query = '') {
  const response = await app.inject({
    method: 'POST', url: `/v1/imports${query}`,
    headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'text/csv' }, payload: csv,
  });
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

describe('CSV cells', () => {
  it('types cells as a person reads them', () => {
    expect(typedCell('')).toBeUndefined();
    expect(typedCell('  ')).toBeUndefined();
    expect(typedCell('42')).toBe(42);
    expect(typedCell('-1.5')).toBe(-1.5);
    expect(typedCell('1e3')).toBe(1000);
    expect(typedCell('007')).toBe('007');
    expect(typedCell('TRUE')).toBe(true);
    expect(typedCell('false')).toBe(false);
    expect(typedCell('1,5')).toBe('1,5');
    expect(typedCell('2026-01-01')).toBe('2026-01-01');
    // Numbers a double cannot hold stay as written: a long numeric id, an overflow, an underflow.
    expect(typedCell('12345678901234567890')).toBe('12345678901234567890');
    expect(typedCell('-9007199254740993')).toBe('-9007199254740993');
    expect(typedCell('9007199254740991')).toBe(9007199254740991);
    // From 2^53 on, digits alone are an identifier; written with a fraction or an exponent, a number.
    expect(typedCell('9007199254740992')).toBe('9007199254740992');
    expect(typedCell('9007199254740993.0')).toBe(9007199254740992);
    expect(typedCell('1e20')).toBe(1e20);
    expect(typedCell('1e400')).toBe('1e400');
    expect(typedCell('1e-400')).toBe('1e-400');
    expect(typedCell('0.000')).toBe(0);
    expect(typedCell('0e5')).toBe(0);
    expect(typedCell('1.5e300')).toBe(1.5e300);
  });
});

describe('POST /v1/imports', () => {
  it('maps native columns to fields and the rest to typed attributes, and counts added and updated', async () => {
    await store.upsert('alpha', [{ id: 'c2', name: 'Existing', attributes: { keep: 'me' } }]);
    const csv = 'id,name,email,sessions,created_at,tags,plan,seats,vip,zip,notes\n' +
      'c1,Ann,ann@x.io,3,2026-01-02,a;b,pro,3,true,007,"said ""hi"", twice"\n' +
      'c2,Bob,,,,,free,1.5,FALSE,,\n';
    const { status, body } = await importCsv(csv);
    expect(status).toBe(200);
    expect(body).toMatchObject({ added: 1, updated: 1, rejected: 0, rejects: [], segment_id: null });
    const users = await store.read('alpha', ['c1', 'c2']);
    expect(users.get('c1')).toMatchObject({
      name: 'Ann', email: 'ann@x.io', sessions: 3, created_at: '2026-01-02T00:00:00.000Z', tags: ['a', 'b'],
      attributes: { plan: 'pro', seats: 3, vip: true, zip: '007', notes: 'said "hi", twice' },
    });
    // Empty cells leave what was there.
    expect(users.get('c2')).toMatchObject({ name: 'Bob', attributes: { keep: 'me', plan: 'free', seats: 1.5, vip: false } });
  });

  it('rejects bad rows one by one with their line number, keeping the good ones', async () => {
    const csv = 'id,sessions,created_at\nr1,1,\n,2,\nr3,-4,\nr4,,not a date\nr5,5,2026-01-01T00:00:00Z\n';
    const { body } = await importCsv(csv);
    expect(body).toMatchObject({ added: 2, rejected: 3 });
    expect(body.rejects.map((r: { row: number }) => r.row)).toEqual([3, 4, 5]);
    expect([...(await store.read('alpha', ['r1', 'r5'])).keys()].sort()).toEqual(['r1', 'r5']);
  });

  it('numbers rows by the line they start on, blank lines and line breaks inside quoted cells included', async () => {
    const csv = 'id,sessions\n\nl1,1\n"l\n2",-1\n\n,3\n';
    const { body } = await importCsv(csv);
    expect(body).toMatchObject({ added: 1, rejected: 2 });
    expect(body.rejects.map((r: { row: number }) => r.row)).toEqual([4, 7]);
    // CRLF line ends, in a quoted cell too (which the parser counts twice).
    const crlf = await importCsv('id,sessions\r\n"c\r\n1",-1\r\nc2,1\r\n\r\n,3\r\n');
    expect(crlf.body.rejects.map((r: { row: number }) => r.row)).toEqual([2, 6]);
    // Line ends of both kinds in one file: each ends its row, and no '\r' is left in a cell.
    const mixed = await importCsv('id,note,sessions\nmix1,a\r\nmix2,b,-1\n');
    expect(mixed.body).toMatchObject({ added: 1, rejected: 1, rejects: [{ row: 3 }] });
    expect((await store.read('alpha', ['mix1'])).get('mix1')!.attributes).toEqual({ note: 'a' });
  });

  it('counts by row: a second row for a user it added is an update', async () => {
    const { body } = await importCsv('id,plan\ntwice,a\ntwice,b\n');
    expect(body).toMatchObject({ added: 1, updated: 1, rejected: 0 });
    expect((await store.read('alpha', ['twice'])).get('twice')!.attributes).toEqual({ plan: 'b' });
  });

  it('recognizes native columns whatever their case, and keeps other headers as written', async () => {
    const { body } = await importCsv('ID,Email,Plan\ncase1,case@x.io,pro\n');
    expect(body).toMatchObject({ added: 1, rejected: 0 });
    expect((await store.read('alpha', ['case1'])).get('case1')).toMatchObject({ email: 'case@x.io', attributes: { Plan: 'pro' } });
    await importCsv('id,__proto__\nproto1,kept\n');
    expect((await store.read('alpha', ['proto1'])).get('proto1')!.attributes).toEqual(Object.fromEntries([['__proto__', 'kept']]));
    const twice = await importCsv('id,email,Email\ncase2,a@x.io,b@x.io\n');
    expect(twice).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('"email" twice') } } });
  });

  it('matches users by email when asked, updating the user that holds it', async () => {
    await store.upsert('alpha', [{ id: 'by-email', email: 'known@x.io' }]);
    const { body } = await importCsv('email,plan\nknown@x.io,enterprise\nnew@x.io,free\n', '?identifier=email');
    expect(body).toMatchObject({ added: 1, updated: 1, rejected: 0 });
    expect((await store.read('alpha', ['by-email'])).get('by-email')!.attributes).toEqual({ plan: 'enterprise' });
    expect((await store.read('alpha', ['new@x.io'])).get('new@x.io')).toMatchObject({ email: 'new@x.io', attributes: { plan: 'free' } });
  });

  it('matches emails row by row: a row sees the users and addresses the rows before it wrote (SPEC §2, array order)', async () => {
    // Row 2 creates nx1 with n@x.io; rows 3 and 4 find it by that email.
    const chain = await importCsv('id,email,plan\nnx1,n@x.io,1\n,n@x.io,2\nnx2,n@x.io,3\n', '?identifier=email');
    expect(chain.body).toMatchObject({ added: 1, updated: 2, rejected: 0 });
    expect((await store.read('alpha', ['nx1', 'nx2', 'n@x.io'])).size).toBe(1);
    expect((await store.read('alpha', ['nx1'])).get('nx1')!.attributes).toEqual({ plan: 3 });
    // Row 2 moves pe1 to a new address: the old one is free by row 3, which creates its own user.
    await store.upsert('alpha', [{ id: 'pe1', email: 'pe-old@x.io' }]);
    const moved = await importCsv('id,email,plan\npe1,pe-new@x.io,1\n,pe-old@x.io,2\n', '?identifier=email');
    expect(moved.body).toMatchObject({ added: 1, updated: 1, rejected: 0 });
    expect((await store.read('alpha', ['pe1'])).get('pe1')).toMatchObject({ email: 'pe-new@x.io', attributes: { plan: 1 } });
    expect((await store.read('alpha', ['pe-old@x.io'])).get('pe-old@x.io')).toMatchObject({ email: 'pe-old@x.io', attributes: { plan: 2 } });
    // An email too long to be an id, with no id cell, is refused, and takes no address from later rows.
    const long = `${'l'.repeat(300)}@x.io`;
    const refused = await importCsv(`email,plan\n${long},1\n${long},2\n`, '?identifier=email');
    expect(refused.body).toMatchObject({ added: 0, updated: 0, rejected: 2, rejects: [{ row: 2 }, { row: 3 }] });
  });

  it('reads a quote inside an unquoted cell as itself, as spreadsheets do (5 ft 10")', async () => {
    const { body } = await importCsv('id,height\nqq1,180\nqq2,5 ft 10"\nqq3,170\n');
    expect(body).toMatchObject({ added: 3, rejected: 0 });
    expect((await store.read('alpha', ['qq2'])).get('qq2')!.attributes).toEqual({ height: '5 ft 10"' });
  });

  it('reads spaces around a cell as no part of it, and a quoted cell after them as quoted; spaces inside quotes stay', async () => {
    await store.upsert('alpha', [{ id: 'sp-ada', email: 'sp-ada@x.io' }]);
    expect((await importCsv('email, name\n"sp-ada@x.io" , "Lovelace, Ada"\n', '?identifier=email')).body).toMatchObject({ added: 0, updated: 1, rejected: 0 });
    expect((await store.read('alpha', ['sp-ada'])).get('sp-ada')).toMatchObject({ email: 'sp-ada@x.io', name: 'Lovelace, Ada' });
    expect((await importCsv('id, plan, note\nsp1,  pro ," two  "\n')).body).toMatchObject({ added: 1, rejected: 0 });
    expect((await store.read('alpha', ['sp1'])).get('sp1')!.attributes).toEqual({ plan: 'pro', note: ' two  ' });
    // Something after a closing quote is not a cell anyone meant: the file is refused, not guessed at.
    expect((await importCsv('id,h\nsp2,"ab"c\n')).status).toBe(400);
  });

  it('reads semicolon- and tab-separated sheets (a header without a comma), and ignores a trailing column without name or values', async () => {
    expect((await importCsv('id;name;score\nsc1;Ann;3\n')).body).toMatchObject({ added: 1, rejected: 0 });
    expect((await store.read('alpha', ['sc1'])).get('sc1')).toMatchObject({ name: 'Ann', attributes: { score: 3 } });
    expect((await importCsv('id\tname\ntb1\tBo, Jr\n')).body).toMatchObject({ added: 1, rejected: 0 });
    expect((await store.read('alpha', ['tb1'])).get('tb1')!.name).toBe('Bo, Jr');
    expect((await importCsv('id,plan,\ntr1,pro,\ntr2,free\n')).body).toMatchObject({ added: 2, rejected: 0 });
    expect((await store.read('alpha', ['tr1'])).get('tr1')!.attributes).toEqual({ plan: 'pro' });
    // The separator is the one whose header holds the identifier: commas in names stay in them.
    expect((await importCsv('ID;Name, Vorname\nde1;Doe, Jane\n')).body).toMatchObject({ added: 1, rejected: 0 });
    expect((await store.read('alpha', ['de1'])).get('de1')!.attributes).toEqual({ 'Name, Vorname': 'Doe, Jane' });
    expect((await importCsv('id\tsize;color\ntb2\tL;red\n')).body).toMatchObject({ added: 1, rejected: 0 });
    expect((await store.read('alpha', ['tb2'])).get('tb2')!.attributes).toEqual({ 'size;color': 'L;red' });
    const unnamed = await importCsv('id,plan,\ntr3,pro,x\n');
    expect(unnamed).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('column 3 has values but no name') } } });
  });

  it('accepts the file as multipart "file"', async () => {
    const boundary = 'XyZ';
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="u.csv"\r\nContent-Type: text/csv\r\n\r\nid,name\nmp1,Multi\r\n--${boundary}--\r\n`;
    const response = await app.inject({
      method: 'POST', url: '/v1/imports',
      headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect((await store.read('alpha', ['mp1'])).get('mp1')!.name).toBe('Multi');
  });

  it('accepts the CSV as a plain multipart field "file" (form.append(\'file\', text)), beside other fields', async () => {
    const boundary = 'XyZ';
    const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const payload = `${part('note', 'hello')}${part('file', 'id,name\nmp2,Field')}--${boundary}--\r\n`;
    const response = await app.inject({
      method: 'POST', url: '/v1/imports',
      headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect((await store.read('alpha', ['mp2'])).get('mp2')!.name).toBe('Field');
    const none = await app.inject({
      method: 'POST', url: '/v1/imports',
      headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: `${part('note', 'x')}--${boundary}--\r\n`,
    });
    expect(JSON.parse(none.body).error).toMatchObject({ code: 'invalid_request', path: '/file' });
  });

  it('takes the "file" part and drops other file parts (an empty file input of the same form)', async () => {
    const boundary = 'XyZ';
    const file = (name: string, content: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.csv"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n`;
    for (const payload of [`${file('file', 'id,name\nmp3,Two')}${file('other', '')}--${boundary}--\r\n`, `${file('other', '')}${file('file', 'id,name\nmp3,Two')}--${boundary}--\r\n`]) {
      const response = await app.inject({
        method: 'POST', url: '/v1/imports',
        headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload,
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({ rejected: 0 });
    }
    expect((await store.read('alpha', ['mp3'])).get('mp3')!.name).toBe('Two');
  });

  const multipartPost = (payload: string) => app.inject({
    method: 'POST', url: '/v1/imports',
    headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'multipart/form-data; boundary=XyZ' }, payload,
  });
  const filePart = (name: string, content: string) => `--XyZ\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.csv"\r\n\r\n${content}\r\n`;
  const fieldPart = (name: string, value: string) => `--XyZ\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

  it('answers 413 for a plain "file" field past its limit, rather than importing it cut short, and reads the parts after it', async () => {
    const response = await multipartPost(`${fieldPart('file', `id,name\n${'x'.repeat(17 * 1024 * 1024)},cut`)}${filePart('other', 'id\nz'.repeat(100_000))}--XyZ--\r\n`);
    expect(response.statusCode, response.body.slice(0, 200)).toBe(413);
    expect(JSON.parse(response.body).error.message).toContain('send it as a file part');
  });

  it('answers 413 for a file part past the body limit, and reads the parts after it', async () => {
    const response = await multipartPost(`${filePart('file', `id,name\n${'x'.repeat(65 * 1024 * 1024)},cut`)}${filePart('other', 'id\nz'.repeat(100_000))}--XyZ--\r\n`);
    expect(response.statusCode, response.body.slice(0, 200)).toBe(413);
  });

  it('counts the parts it drops toward the body limit too', async () => {
    const response = await multipartPost(`${filePart('file', `id,name\n${'x'.repeat(40 * 1024 * 1024)},big`)}${filePart('other', 'y'.repeat(30 * 1024 * 1024))}--XyZ--\r\n`);
    expect(response.statusCode, response.body.slice(0, 200)).toBe(413);
  });

  it('takes a form with a few other fields, and names the limit a form past it breaks (400)', async () => {
    const fields = Array.from({ length: 5 }, (_, i) => fieldPart(`f${i}`, 'x')).join('');
    expect((await multipartPost(`${fields}${filePart('file', 'id,name\nmp4,Four')}--XyZ--\r\n`)).statusCode).toBe(200);
    const many = Array.from({ length: 20 }, (_, i) => fieldPart(`f${i}`, 'x')).join('');
    const refused = await multipartPost(`${many}${filePart('file', 'id\nmp5')}--XyZ--\r\n`);
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body).error.message).toContain('more than 16 fields');
  });

  it('answers 400 for a multipart body it cannot read', async () => {
    for (const [type, payload] of [['multipart/form-data', 'garbage'], ['multipart/form-data; boundary=B', '--B\r\nContent-Disposition: form-data; name="file"; filename="u.csv"\r\n\r\nid\nx']]) {
      const response = await app.inject({ method: 'POST', url: '/v1/imports', headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': type }, payload });
      expect(response.statusCode, response.body).toBe(400);
    }
  });

  it('refuses a file without the identifier column, and an unknown identifier', async () => {
    const noId = await importCsv('name\nx\n');
    expect(noId.status).toBe(400);
    expect(noId.body.error.message).toContain('"id"');
    expect((await importCsv('id\nx\n', '?identifier=phone')).status).toBe(400);
  });

  it('records the import', async () => {
    const { body } = await importCsv('id\nrec1\n');
    const { rows } = await warehouse.query<{ added: number; user_ids: string[] }>(
      'SELECT added, user_ids FROM imports WHERE project = {p:String} AND id = {id:String}', { p: 'alpha', id: body.import_id });
    expect(rows).toEqual([{ added: 1, user_ids: ['rec1'] }]);
  });
});
