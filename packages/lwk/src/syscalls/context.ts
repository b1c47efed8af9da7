// What a syscall implementation sees: the calling task, its arguments, and checked copies between
// user memory and the kernel (a bad pointer is EFAULT, never a host exception).
import type { PhysicalMemory } from '@serval/x86';
import type { Task } from '../task.js';
import type { HostIo } from '../host-io.js';

export interface SyscallContext {
  readonly task: Task;
  readonly mem: PhysicalMemory;
  readonly io: HostIo;
  /** Copies `len` user bytes, or undefined when any of them is unmapped. */
  readUser(va: number, len: number): Uint8Array | undefined;
  /** Copies into user memory; false when the destination is not writable. */
  writeUser(va: number, bytes: Uint8Array): boolean;
  /** Reads a NUL-terminated string of at most `max` bytes. */
  readString(va: number, max?: number): string | undefined;
  /** Ends the task. */
  exit(code: number): void;
  /** Virtual time in nanoseconds. */
  now(): number;
  log(msg: string): void;
}

/** A syscall's implementation: six raw arguments in, a result or a negated errno out. */
export interface Syscall {
  readonly nr: number;
  readonly name: string;
  handler(ctx: SyscallContext, a: readonly number[]): number;
}

/** Signed 32-bit view of an argument (file descriptors, flags). */
export const int = (v: number): number => v | 0;
