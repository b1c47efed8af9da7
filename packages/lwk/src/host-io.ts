// How the LWK reaches its host's stdio: Kitten forwards a task's I/O to a host; `serval run` makes
// that forwarding the default. The app supplies the real streams; tests supply buffers.
import { MemoryBackend } from '@serval/devices';
import type { BlockStorage } from '@serval/hypervisor';
import { LwkError } from './errors.js';

export interface HostIo {
  /** Writes to host descriptor 1 (stdout) or 2 (stderr). */
  write(fd: number, bytes: Uint8Array): void;
  /** Reads up to `max` bytes from host stdin; an empty result is end of file. */
  read(fd: number, max: number): Uint8Array;
  /** Whether the host descriptor is a terminal (for TCGETS). */
  isatty(fd: number): boolean;
  /** Reads a whole host file (programs, kernel images); throws a ServalError if it cannot. */
  readFile(path: string): Uint8Array;
  /** Writes a whole host file (VM checkpoints); hosts without storage leave it out. */
  writeFile?(path: string, bytes: Uint8Array): void;
  /** Opens a host file as a VM's disk; absent when the host has no files to give. */
  openDisk?(path: string, readonly: boolean): BlockStorage;
}

/** Captures output and serves fixed input: for tests and for embedding. */
export class BufferedHostIo implements HostIo {
  readonly out: number[] = [];
  readonly err: number[] = [];
  private input: Uint8Array;
  private pos = 0;
  readonly files = new Map<string, Uint8Array>();
  constructor(input: string | Uint8Array = '') {
    this.input = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  }
  readFile(path: string): Uint8Array {
    const f = this.files.get(path);
    if (!f) throw new LwkError('NO_SUCH_FILE', `${path}: no such file`);
    return f;
  }
  /** A file of `files` as a disk: writes change that Uint8Array in place. */
  openDisk(path: string, readonly: boolean): BlockStorage {
    return new MemoryBackend(this.readFile(path), readonly);
  }
  writeFile(path: string, bytes: Uint8Array): void {
    this.files.set(path, bytes.slice());
  }
  write(fd: number, bytes: Uint8Array): void {
    const to = fd === 2 ? this.err : this.out;
    for (const b of bytes) to.push(b);
  }
  read(_fd: number, max: number): Uint8Array {
    const b = this.input.subarray(this.pos, this.pos + max);
    this.pos += b.length;
    return b;
  }
  isatty(): boolean {
    return false;
  }
  get stdout(): string {
    return new TextDecoder().decode(Uint8Array.from(this.out));
  }
  get stderr(): string {
    return new TextDecoder().decode(Uint8Array.from(this.err));
  }
}
