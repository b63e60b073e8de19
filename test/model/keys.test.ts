import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey } from '../../model/keys.js';

describe('attribute key encoding', () => {
  it('leaves plain keys alone and escapes only "%" and "."', () => {
    expect(encodeKey('plan')).toBe('plan');
    expect(encodeKey('a.b')).toBe('a%2Eb');
    expect(encodeKey('a%2Eb')).toBe('a%252Eb');
    expect(encodeKey("q'{}\" é")).toBe("q'{}\" é");
  });

  it('is a bijection: distinct keys stay distinct and decode back', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', '.', '%', '2', 'E', 'e', '5') }), fc.string({ unit: 'grapheme' }), (a, b) => {
      expect(decodeKey(encodeKey(a))).toBe(a);
      expect(decodeKey(encodeKey(b))).toBe(b);
      if (a !== b) expect(encodeKey(a)).not.toBe(encodeKey(b));
      expect(encodeKey(a)).not.toContain('.');
    }), { numRuns: 2000 });
  });
});
