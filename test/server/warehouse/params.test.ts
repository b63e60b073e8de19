/**
 * The server adapter sends parameters as text (`param_*` of the HTTP
 * interface), which ClickHouse reads in its escaped text format. No server
 * here, so the real engine checks the encoding another way: chDB parses each
 * encoded text with the same escaped-format reader (a TSV field) and must get
 * back exactly what binding the value directly gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQueryParams } from '../../../server/warehouse/clickhouse.js';
import type { ParamValue, Warehouse } from '../../../server/warehouse/warehouse.js';
import { openTestWarehouse } from '../../support/warehouse.js';

let warehouse: Warehouse;
let dispose: () => Promise<void>;
beforeAll(async () => ({ warehouse, dispose } = await openTestWarehouse()));
afterAll(() => dispose());

const nasty = "it's a \"quote\"\t\\ back\\slash\nnew line {braces} %_ ünïcode 日本 \r end";
const cases: Array<[string, string, ParamValue]> = [
  ['a string with quotes, tabs, newlines, backslashes, braces and unicode', 'String', nasty],
  ['an empty string', 'String', ''],
  ['a string array', 'Array(String)', ["a'b", 'c\\d', 'e\tf', '', nasty]],
  ['an empty array', 'Array(String)', []],
  ['a null', 'Nullable(String)', null],
  ['a map', 'Map(String, String)', { "k'ey": 'v\\al', 'x.y': '' }],
  ['a double', 'Float64', -1.5e-300],
  ['an integer', 'Int64', 9007199254740991],
  ['a boolean', 'Bool', true],
  ['a DateTime64', "DateTime64(3, 'UTC')", '2026-06-15 12:00:00.123'],
];

describe('server adapter parameter encoding', () => {
  for (const [name, type, value] of cases) {
    it(`round-trips ${name} (${type})`, async () => {
      const text = encodeQueryParams({ v: value }).v!;
      const parsed = await warehouse.query<{ v: unknown }>(
        `SELECT toJSONString(v) AS v FROM format(TSV, 'v ${type.replace(/'/g, "\\'")}', {text:String})`, { text: text + '\n' });
      const bound = await warehouse.query<{ v: unknown }>(`SELECT toJSONString({v:${type}}) AS v`, { v: value });
      expect(parsed.rows[0]!.v).toBe(bound.rows[0]!.v);
    });
  }
});
