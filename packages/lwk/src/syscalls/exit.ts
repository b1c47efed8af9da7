import type { Syscall } from './context.js';

export const exit: Syscall = { nr: 60, name: 'exit', handler(ctx, [code]) { ctx.exit(code & 0xff); return 0; } };
export const exitGroup: Syscall = { nr: 231, name: 'exit_group', handler(ctx, [code]) { ctx.exit(code & 0xff); return 0; } };
