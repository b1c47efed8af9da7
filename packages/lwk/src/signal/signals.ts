// Signal numbers, default actions and the bookkeeping types. Masks are bigints (bit n-1 for signal
// n): signals are rare, so clarity wins over speed here.

export const SIG = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20,
  TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
} as const;

export const SIG_NAMES: Record<number, string> = Object.fromEntries(Object.entries(SIG).map(([k, v]) => [v, `SIG${k}`]));

export const NSIG = 64;
export const SIG_DFL = 0, SIG_IGN = 1;
export const SA = { NOCLDSTOP: 1, NOCLDWAIT: 2, SIGINFO: 4, ONSTACK: 0x08000000, RESTART: 0x10000000, NODEFER: 0x40000000, RESETHAND: 0x80000000, RESTORER: 0x04000000 } as const;

export type DefaultAction = 'term' | 'core' | 'ign' | 'stop' | 'cont';

export function defaultAction(sig: number): DefaultAction {
  switch (sig) {
    case SIG.CHLD: case SIG.URG: case SIG.WINCH: return 'ign';
    case SIG.STOP: case SIG.TSTP: case SIG.TTIN: case SIG.TTOU: return 'stop';
    case SIG.CONT: return 'cont';
    case SIG.QUIT: case SIG.ILL: case SIG.TRAP: case SIG.ABRT: case SIG.BUS: case SIG.FPE: case SIG.SEGV:
    case SIG.XCPU: case SIG.XFSZ: case SIG.SYS: return 'core';
    default: return sig >= 32 ? 'term' : 'term';
  }
}

export interface SigAction {
  handler: number;
  flags: number;
  restorer: number;
  mask: bigint;
}

export const bit = (sig: number): bigint => 1n << BigInt(sig - 1);
/** SIGKILL and SIGSTOP can be neither caught, blocked nor ignored. */
export const UNBLOCKABLE = bit(SIG.KILL) | bit(SIG.STOP);

export interface SigInfo {
  signo: number;
  code: number;
  /** Sender pid/uid for kill(), or the faulting address for SIGSEGV/SIGBUS/SIGILL/SIGFPE. */
  pid?: number;
  uid?: number;
  addr?: number;
  status?: number;
  /** A whole siginfo from user space (rt_sigqueueinfo): copied into the frame as it is. */
  raw?: Uint8Array;
}

export const SI_USER = 0, SI_QUEUE = -1, SI_TKILL = -6, SI_KERNEL = 0x80;
export const SEGV_MAPERR = 1, SEGV_ACCERR = 2, ILL_ILLOPN = 2, FPE_INTDIV = 1, TRAP_BRKPT = 1, BUS_ADRALN = 1;
export const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;
