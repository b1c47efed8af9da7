// Identity and system information: the task is the only process of its job, run by root-less uid 1000.
import { E } from '../errno.js';
import type { Syscall } from './context.js';

const constant = (nr: number, name: string, v: (pid: number) => number): Syscall => ({ nr, name, handler: (ctx) => v(ctx.task.pid) });

export const getpid = constant(39, 'getpid', (p) => p);
export const gettid = constant(186, 'gettid', (p) => p);
export const getppid = constant(110, 'getppid', () => 1);
export const getuid = constant(102, 'getuid', () => 1000);
export const geteuid = constant(107, 'geteuid', () => 1000);
export const getgid = constant(104, 'getgid', () => 1000);
export const getegid = constant(108, 'getegid', () => 1000);

export const UNAME = { sysname: 'Linux', nodename: 'serval', release: '6.1.0-serval', version: '#1 SMP Serval LWK', machine: 'x86_64', domainname: '(none)' };

export const uname: Syscall = {
  nr: 63,
  name: 'uname',
  handler(ctx, [buf]) {
    const out = new Uint8Array(65 * 6);
    const enc = new TextEncoder();
    Object.values(UNAME).forEach((s, i) => out.set(enc.encode(s).subarray(0, 64), i * 65));
    return ctx.writeUser(buf, out) ? 0 : -E.FAULT;
  },
};
