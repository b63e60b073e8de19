/**
 * Custom attribute, trait and property keys may hold any character. ClickHouse
 * JSON columns split paths on '.', so keys are stored encoded: '%' → %25 and
 * '.' → %2E. The encoding is a bijection and matches ClickHouse's own
 * `json_type_escape_dots_in_keys` for every key without a '%', which lets bulk
 * loads leave those lines to the engine's parser.
 */
export function encodeKey(key: string): string {
  return key.replace(/[%.]/g, (c) => (c === '%' ? '%25' : '%2E'));
}

export function decodeKey(path: string): string {
  return path.replace(/%(25|2E)/g, (_, hex: string) => (hex === '25' ? '%' : '.'));
}

// Objects are built from entries, whose keys become own properties: assigning `out[key]` would call
// the prototype's setter for a key named "__proto__" and lose it.
export function encodeKeys<V>(object: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [encodeKey(k), v]));
}

export function decodeKeys<V>(object: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [decodeKey(k), v]));
}

/**
 * The length of an id, name or key as SPEC §2 limits it: in characters (code points), as JSON
 * Schema's maxLength and the tables' lengthUTF8 constraints count, where `.length` counts UTF-16
 * units (an emoji is 2).
 */
export function characters(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
