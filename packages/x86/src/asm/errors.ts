// Assembler errors. Inner layers throw `AsmIssue` (they know what is wrong, not where); the
// driver wraps it into `AsmError` with the line number and the line's text.
import { ServalError } from '../errors.js';

export class AsmError extends ServalError {
  readonly line: number;
  constructor(line: number, what: string, text: string, options?: { cause?: unknown }) {
    super('ASM_ERROR', `line ${line}: ${what}: ${text.trim()}`, options);
    this.line = line;
  }
}

/** A problem with the statement being processed; becomes an AsmError once the line is known. */
export class AsmIssue extends Error {}

export function issue(what: string): never {
  throw new AsmIssue(what);
}
