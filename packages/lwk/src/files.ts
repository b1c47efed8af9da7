// Open files of a task. For now: the host's standard streams; the in-memory file system and pipes
// join this table later.
import { E } from './errno.js';
import type { HostIo } from './host-io.js';

export interface OpenFile {
  readonly kind: 'host-stdio';
  read(max: number): Uint8Array | number;
  write(bytes: Uint8Array): number;
  isatty(): boolean;
}

export class HostStdio implements OpenFile {
  readonly kind = 'host-stdio';
  constructor(private readonly io: HostIo, readonly hostFd: number) {}
  read(max: number): Uint8Array | number {
    if (this.hostFd !== 0) return -E.BADF;
    return this.io.read(0, max);
  }
  write(bytes: Uint8Array): number {
    if (this.hostFd === 0) return -E.BADF;
    this.io.write(this.hostFd, bytes);
    return bytes.length;
  }
  isatty(): boolean {
    return this.io.isatty(this.hostFd);
  }
}

export class FdTable {
  private readonly fds = new Map<number, OpenFile>();
  get(fd: number): OpenFile | undefined {
    return this.fds.get(fd);
  }
  set(fd: number, f: OpenFile): void {
    this.fds.set(fd, f);
  }
  close(fd: number): boolean {
    return this.fds.delete(fd);
  }
}
