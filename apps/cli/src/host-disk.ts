// A host file as a VM's disk (virtio-blk): positioned synchronous reads and writes on one file
// descriptor, so a guest's write is in the file when the request completes, and fsync for the
// guest's flush. Every failure is a FileError naming the file and the operation.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import type { BlockStorage } from '@serval/hypervisor';
import { FileError } from './host-io.js';

export function openHostDisk(path: string, readonly: boolean): BlockStorage {
  let fd: number;
  try {
    fd = openSync(path, readonly ? 'r' : 'r+');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? `permission denied${readonly ? '' : ' (try it read-only)'}` : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new FileError('CANNOT_OPEN_DISK', `${path}: ${why}`, { cause: e });
  }
  const size = fstatSync(fd).size;
  let open = true;
  const io = <T>(what: string, fn: () => T): T => {
    if (!open) throw new FileError('DISK_CLOSED', `disk ${path} is closed (${what})`);
    try {
      return fn();
    } catch (e) {
      throw new FileError('DISK_IO', `disk ${path}: ${what} failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
  };
  return {
    size,
    readonly,
    read(offset, into) {
      io(`read of ${into.length} bytes at ${offset}`, () => {
        let done = 0;
        while (done < into.length) {
          const n = readSync(fd, into, done, into.length - done, offset + done);
          if (n === 0) { into.fill(0, done); break; }
          done += n;
        }
      });
    },
    write(offset, bytes) {
      if (readonly) throw new FileError('DISK_READ_ONLY', `disk ${path} is read-only`);
      io(`write of ${bytes.length} bytes at ${offset}`, () => {
        let done = 0;
        while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, offset + done);
      });
    },
    flush() {
      if (!readonly) io('fsync', () => fsyncSync(fd));
    },
    close() {
      if (!open) return;
      if (!readonly) io('fsync', () => fsyncSync(fd));
      open = false;
      closeSync(fd);
    },
  };
}
