// What a syscall implementation sees: the calling thread and process, its live registers, checked
// copies between user memory and the kernel (a bad pointer is EFAULT, never a host exception), and
// a way to block until something happens.
import type { CpuState } from '@serval/x86';
import type { Lwk } from '../kernel.js';
import type { Mm } from '../mm/mm.js';
import type { Process, Thread, Wait } from '../proc/process.js';

/** The call cannot complete yet: the thread sleeps and re-executes the SYSCALL when woken. */
export const BLOCK = Symbol('block');
/** The call has set every register itself (exit, execve, rt_sigreturn). */
export const NORETURN = Symbol('noreturn');
export type Result = number | typeof BLOCK | typeof NORETURN;

export interface Syscall {
  readonly nr: number;
  readonly name: string;
  handler(x: Sys, a: readonly number[]): Result;
}

export class Sys {
  constructor(readonly k: Lwk, readonly t: Thread) {}
  get p(): Process { return this.t.proc; }
  get mm(): Mm { return this.t.proc.mm; }
  get s(): CpuState { return this.t.sched.core.cpu.state; }

  read(va: number, len: number): Uint8Array | undefined { return len === 0 ? new Uint8Array(0) : this.mm.read(va, len); }
  write(va: number, bytes: Uint8Array): boolean { return bytes.length === 0 || this.mm.write(va, bytes); }
  str(va: number, max = 4096): string | undefined { return this.mm.readString(va, max); }
  u64(va: number): number | undefined { return this.mm.readU64(va); }
  putU64(va: number, v: number | bigint): boolean { return this.mm.writeU64(va, v); }
  u32(va: number): number | undefined { return this.mm.readU32(va); }
  putU32(va: number, v: number): boolean { return this.mm.writeU32(va, v); }

  /** Virtual time as this thread's core sees it, in ns. */
  now(): number { return this.t.sched.core.localTimeNs(); }

  block(wait: Wait): typeof BLOCK {
    this.t.state = 'blocked';
    this.t.wait = wait;
    return BLOCK;
  }
}

/** Signed 32-bit view of an argument (file descriptors, flags). */
export const int = (v: number): number => v | 0;

/** Reads a NULL-terminated array of string pointers (argv, envp). */
export function strings(x: Sys, va: number, max = 4096): string[] | undefined {
  const out: string[] = [];
  if (!va) return out;
  for (let i = 0; i < max; i++) {
    const p = x.u64(va + 8 * i);
    if (p === undefined) return undefined;
    if (p === 0) return out;
    const s = x.str(p, 131072);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return undefined;
}
