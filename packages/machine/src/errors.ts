import { ServalError } from '@serval/x86';

/** Machine configuration and wiring errors (bad sizes, overlapping ranges, unknown cores). */
export class MachineError extends ServalError {}
