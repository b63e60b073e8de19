/**
 * What JSON.parse lets through but no input of ours may hold, checked once for every body, bulk
 * line and tree file:
 *
 * - a lone UTF-16 surrogate (`"\ud800"`) is valid JSON but not text: the engine refuses a high
 *   one and silently stores a low one as U+FFFD, so it would either fail a write or alter the data;
 * - nesting deeper than MAX_NESTING: trees are limited to 20 groups (SPEC §3.6), and code that
 *   walks a value recursively (JSON.stringify among it) overflows the stack some thousands of
 *   levels down, long before the body limit.
 */

/** JSON levels (an object or array each): 100+ groups of a condition tree, far past its limits. */
export const MAX_NESTING = 256;

export type JsonProblem =
  | { kind: 'lone_surrogate'; path: string }
  | { kind: 'too_deep'; path: string };

/** RFC 6901: '~' → '~0', '/' → '~1'. */
export function pointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A surrogate code unit without its pair (with the u flag a pair reads as one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/** A text escape of a UTF-16 surrogate; a JSON text without one cannot hold a lone surrogate. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

export function mayHoldSurrogates(text: string): boolean {
  return SURROGATE_ESCAPE.test(text);
}

/**
 * The first problem of a parsed value, with the JSON pointer where it is. `surrogates: false`
 * skips the text checks (the source text had no surrogate escape: see mayHoldSurrogates).
 */
export function jsonProblem(value: unknown, { surrogates = true } = {}): JsonProblem | undefined {
  const found = problemAt(value, 0, surrogates);
  return found && { kind: found.kind, path: found.segments.reverse().map((s) => `/${pointerSegment(s)}`).join('') };
}

interface Found { kind: JsonProblem['kind']; segments: string[] }

// Recursive, but never past MAX_NESTING levels; the path is assembled only for a value that fails.
function problemAt(node: unknown, depth: number, surrogates: boolean): Found | undefined {
  if (typeof node === 'string') return surrogates && LONE_SURROGATE.test(node) ? { kind: 'lone_surrogate', segments: [] } : undefined;
  if (!node || typeof node !== 'object') return undefined;
  if (depth >= MAX_NESTING) return { kind: 'too_deep', segments: [] };
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const found = problemAt(node[i], depth + 1, surrogates);
      if (found) return found.segments.push(String(i)), found;
    }
    return undefined;
  }
  for (const key in node) {
    if (surrogates && LONE_SURROGATE.test(key)) return { kind: 'lone_surrogate', segments: [key] };
    const found = problemAt((node as Record<string, unknown>)[key], depth + 1, surrogates);
    if (found) return found.segments.push(key), found;
  }
  return undefined;
}

export function describeJsonProblem({ kind, path }: JsonProblem): string {
  return kind === 'lone_surrogate'
    ? `${path || '(root)'} is not well-formed Unicode text: it holds a lone surrogate (\\ud800–\\udfff without its pair)`
    : `${path || '(root)'} nests deeper than ${MAX_NESTING} levels`;
}

/** JSON text that is not JSON, or holds a JsonProblem; the message names what and where. */
export class JsonInputError extends Error {
  constructor(message: string, readonly problem?: JsonProblem) {
    super(message);
    this.name = 'JsonInputError';
  }
}

/** JSON.parse, then the checks above: every body, bulk line and tree file is read through here. */
export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // The parser's own words say where ("… at position 13"), for the CLI and bulk loads.
    throw new JsonInputError(`not valid JSON (${(error as Error).message})`);
  }
  const problem = jsonProblem(value, { surrogates: mayHoldSurrogates(text) });
  if (problem) throw new JsonInputError(describeJsonProblem(problem), problem);
  return value;
}
