// The real machine's side of Serval: stdio and files through node:fs, synchronously (the
// simulation is single-threaded and deterministic; a blocking read is what qemu-user does too).
import { readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { BlockStorage } from '@serval/hypervisor';
import type { HostIo } from '@serval/lwk';
import { openHostDisk } from './host-disk.js';
import { ServalError } from '@serval/x86';

export class FileError extends ServalError {}

export function readHostFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new FileError('CANNOT_READ', `cannot read ${path}: ${why}`, { cause: e });
  }
}

export class NodeHostIo implements HostIo {
  constructor(private readonly files: (path: string) => Uint8Array = readHostFile) {}
  write(fd: number, bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) {
      try {
        off += writeSync(fd, bytes, off, bytes.length - off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((e as NodeJS.ErrnoException).code === 'EPIPE') return;
        throw e;
      }
    }
  }
  read(fd: number, max: number): Uint8Array {
    const buf = Buffer.alloc(Math.min(max, 65536));
    for (;;) {
      try {
        const n = readSync(fd, buf, 0, buf.length, null);
        return buf.subarray(0, n);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EOF') return new Uint8Array(0);
        throw e;
      }
    }
  }
  /** Everything readable on `fd` until end of file. */
  readAll(fd: number): Uint8Array {
    const parts: Uint8Array[] = [];
    for (;;) {
      const b = this.read(fd, 65536);
      if (b.length === 0) break;
      parts.push(b.slice());
    }
    return Uint8Array.from(parts.flatMap((p) => [...p]));
  }
  isatty(fd: number): boolean {
    return isatty(fd);
  }
  readFile(path: string): Uint8Array {
    return this.files(path);
  }
  writeFile(path: string, bytes: Uint8Array): void {
    try {
      writeFileSync(path, bytes);
    } catch (e) {
      throw new FileError('CANNOT_WRITE', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
  }
  openDisk(path: string, readonly: boolean): BlockStorage {
    return openHostDisk(path, readonly);
  }
}
