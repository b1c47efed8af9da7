import type { Syscall } from './context.js';

/** The heap is reserved and mapped up front (no demand paging): brk only moves the break within it. */
export const brk: Syscall = {
  nr: 12,
  name: 'brk',
  handler(ctx, [addr]) {
    const t = ctx.task;
    if (addr >= t.brkStart && addr <= t.brkLimit) t.brk = addr;
    return t.brk;
  },
};
