// Per-thread bookkeeping glibc sets up at start. Robust futex lists and rseq are accepted or
// declined the way a kernel without those features would.
import { E } from '../errno.js';
import type { Syscall } from './context.js';

export const setTidAddress: Syscall = {
  nr: 218,
  name: 'set_tid_address',
  handler(ctx, [addr]) { ctx.task.clearChildTid = addr; return ctx.task.pid; },
};

export const setRobustList: Syscall = { nr: 273, name: 'set_robust_list', handler: (_c, [, len]) => (len === 24 ? 0 : -E.INVAL) };

/** Declined: glibc then runs without restartable sequences. */
export const rseq: Syscall = { nr: 334, name: 'rseq', handler: () => -E.NOSYS };
