// Thrown from compiled code and slow paths to unwind to `Cpu.run`. Never escapes the Cpu.
import type { Exit } from './exits.js';

/** An architectural exception raised by the instruction being executed. */
export class Fault {
  constructor(
    readonly vector: number,
    readonly errorCode: number | undefined = undefined,
    /** For #PF: the faulting linear address. */
    readonly cr2 = 0,
    /** For traps (INT n, INT3, INTO): the return address, i.e. the next instruction. */
    readonly nextRip: number | undefined = undefined,
    /** Raised by an INT-type instruction (gate DPL is checked). */
    readonly soft = false,
  ) {}
}

/**
 * The instruction needs the host. `retired` says whether it has completed (trap-like exits) or
 * must be re-executed after the host answers (completion exits).
 */
export class ExitSignal {
  constructor(readonly exit: Exit, readonly retired: boolean, readonly keepRip = false) {}
}
