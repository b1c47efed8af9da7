// Open file descriptions (shared by dup'ed descriptors and across fork) and the descriptor table.
// A read or write that cannot proceed yet answers 'block': the syscall layer parks the thread and
// re-executes the call when the file can make progress.
import { E } from '../errno.js';
import type { DirEntry, Stat } from './types.js';

export type IoResult = number | 'block';

export interface FileImpl {
  readonly kind: 'file' | 'dir' | 'pipe' | 'chr';
  /** Bytes, or -errno, or 'block'. */
  read(f: OpenFile, max: number): Uint8Array | number | 'block';
  write(f: OpenFile, bytes: Uint8Array): IoResult;
  stat(): Stat;
  /** For poll/select: would a read (write) make progress without blocking? */
  readReady(): boolean;
  writeReady(): boolean;
  /** The last descriptor referring to this description was closed. */
  release(f: OpenFile): void;
  seekable: boolean;
  size?(): number;
  truncate?(len: number): number;
  readdir?(): DirEntry[] | number;
  isatty?(): boolean;
}

export class OpenFile {
  pos = 0;
  refs = 1;
  /** Next directory entry to return (getdents64). */
  dirPos = 0;
  constructor(readonly impl: FileImpl, public flags: number, readonly path: string) {}

  get readable(): boolean { return (this.flags & 3) !== 1; }
  get writable(): boolean { return (this.flags & 3) !== 0; }
  get nonblock(): boolean { return (this.flags & 0o4000) !== 0; }

  ref(): OpenFile { this.refs++; return this; }
  unref(): void { if (--this.refs === 0) this.impl.release(this); }
}

interface Slot { file: OpenFile; cloexec: boolean }

export const MAX_FDS = 1024;

export class FdTable {
  private readonly fds = new Map<number, Slot>();

  get(fd: number): OpenFile | undefined {
    return this.fds.get(fd)?.file;
  }

  cloexec(fd: number): boolean {
    return this.fds.get(fd)?.cloexec ?? false;
  }

  setCloexec(fd: number, on: boolean): void {
    const s = this.fds.get(fd);
    if (s) s.cloexec = on;
  }

  /** The lowest free descriptor at or above `min`. */
  lowestFree(min = 0): number {
    for (let fd = min; fd < MAX_FDS; fd++) if (!this.fds.has(fd)) return fd;
    return -E.MFILE;
  }

  /** Installs `file` (whose reference the table takes over) at the lowest free descriptor. */
  add(file: OpenFile, cloexec = false, min = 0): number {
    const fd = this.lowestFree(min);
    if (fd < 0) { file.unref(); return fd; }
    this.fds.set(fd, { file, cloexec });
    return fd;
  }

  /** Puts `file` at `fd`, closing what was there (dup2 semantics). */
  set(fd: number, file: OpenFile, cloexec = false): void {
    const old = this.fds.get(fd);
    this.fds.set(fd, { file, cloexec });
    old?.file.unref();
  }

  close(fd: number): number {
    const s = this.fds.get(fd);
    if (!s) return -E.BADF;
    this.fds.delete(fd);
    s.file.unref();
    return 0;
  }

  /** A copy for fork: the same open file descriptions, one more reference each. */
  fork(): FdTable {
    const t = new FdTable();
    for (const [fd, s] of this.fds) t.fds.set(fd, { file: s.file.ref(), cloexec: s.cloexec });
    return t;
  }

  /** execve: close-on-exec descriptors go. */
  exec(): void {
    for (const [fd, s] of [...this.fds]) if (s.cloexec) this.close(fd);
  }

  closeAll(): void {
    for (const fd of [...this.fds.keys()]) this.close(fd);
  }

  entries(): [number, OpenFile][] {
    return [...this.fds].map(([fd, s]) => [fd, s.file]);
  }
}
