/**
 * Why a tree cannot be compiled. `status` is the HTTP status the API answers
 * with (SPEC §3.5, §3.6): 400 for a malformed tree, 422 for a valid one that
 * cannot be accepted; `path` is the JSON pointer of the offending node.
 */
export type CompileErrorCode = 'invalid_conditions' | 'too_complex' | 'unknown_segment' | 'segment_cycle';

const STATUS: Record<CompileErrorCode, 400 | 422> = {
  invalid_conditions: 400,
  too_complex: 422,
  unknown_segment: 422,
  segment_cycle: 422,
};

export class CompileError extends Error {
  readonly status: 400 | 422;

  constructor(readonly code: CompileErrorCode, message: string, readonly path: string) {
    super(message);
    this.name = 'CompileError';
    this.status = STATUS[code];
  }
}

export function invalid(path: string, message: string): CompileError {
  return new CompileError('invalid_conditions', `${path || '(root)'} ${message}`, path);
}
