/** SPEC §5: configuration from the environment. */
import { describe, expect, it } from 'vitest';
import { loadConfig, parseApiKeys } from '../../server/config.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', demoData: true, queryTimeoutMs: 30_000, clickhouse: undefined });
    expect([...config.apiKeys]).toEqual([['demo', 'demo']]);
  });

  it('turns the demo data off with 0, and with the other usual spellings of "off"', () => {
    for (const off of ['0', 'false', 'FALSE', 'no', 'off', ' 0 ']) expect(loadConfig({ DEMO_DATA: off }).demoData, off).toBe(false);
    for (const on of ['1', 'true', 'yes', 'ON', '']) expect(loadConfig({ DEMO_DATA: on }).demoData, on).toBe(true);
    // A typo is not read as either.
    expect(() => loadConfig({ DEMO_DATA: 'maybe' })).toThrow(/DEMO_DATA must be/);
  });

  it('reads API_KEYS as project:key pairs, and refuses a malformed one or a key given twice', () => {
    expect([...parseApiKeys('acme:k1, beta:k2')]).toEqual([['k1', 'acme'], ['k2', 'beta']]);
    expect(() => parseApiKeys('acme')).toThrow(/API_KEYS/);
    expect(() => parseApiKeys('a:k,b:k')).toThrow(/two projects/);
    // Typos fail loudly rather than leaving no key, or one key made of two.
    expect(() => parseApiKeys(',')).toThrow(/no project:key/);
    expect(() => parseApiKeys('p1:k1;p2:k2')).toThrow(/API_KEYS/);
    // Blanks are a value left unfilled, not "unset": they do not open the demo key.
    expect(() => parseApiKeys('  ')).toThrow(/API_KEYS is blank/);
    expect([...parseApiKeys('')]).toEqual([['demo', 'demo']]);
  });

  it('takes a QUERY_TIMEOUT_MS from 1 ms to a day (a query\'s deadline is a timer, which Node ends at 2^31 ms)', () => {
    expect(loadConfig({ QUERY_TIMEOUT_MS: '86400000' }).queryTimeoutMs).toBe(86_400_000);
    expect(() => loadConfig({ QUERY_TIMEOUT_MS: '86400001' })).toThrow(/QUERY_TIMEOUT_MS must be an integer from 1 to 86400000/);
    expect(() => loadConfig({ QUERY_TIMEOUT_MS: '0' })).toThrow(/QUERY_TIMEOUT_MS/);
  });

  it('refuses a PORT that is not a number', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow('PORT must be an integer from 0 to 65535, got "eighty"');
    expect(() => loadConfig({ PORT: '70000' })).toThrow('PORT must be an integer from 0 to 65535, got "70000"');
    expect(loadConfig({ PORT: '65535' }).port).toBe(65_535);
  });
});
