// open, openat, creat, close, and the *at path convention.
import { E } from '../errno.js';
import { O, join } from '../fs/types.js';
import { type Sys, type Syscall, int } from './context.js';

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_EMPTY_PATH = 0x1000;

/** Resolves the directory an *at call is relative to. */
export function dirOf(x: Sys, dirfd: number): string | number {
  const fd = int(dirfd);
  if (fd === AT_FDCWD) return x.p.cwd;
  const f = x.p.files.get(fd);
  if (!f) return -E.BADF;
  if (f.impl.kind !== 'dir') return -E.NOTDIR;
  return f.path;
}

/** Reads a path argument and makes it absolute. */
export function pathArg(x: Sys, dirfd: number, ptr: number): string | number {
  const path = x.str(ptr, 4096);
  if (path === undefined) return -E.FAULT;
  if (path === '') return -E.NOENT;
  if (path.startsWith('/')) return join('/', path);
  const dir = dirOf(x, dirfd);
  return typeof dir === 'number' ? dir : join(dir, path);
}

export function openAt(x: Sys, dirfd: number, ptr: number, flags: number, mode: number): number {
  const path = pathArg(x, dirfd, ptr);
  if (typeof path === 'number') return path;
  const f = x.k.vfs.open('/', path, flags & ~O.CLOEXEC, mode & ~x.p.umask, x.k.procView(x.p));
  if (typeof f === 'number') return f;
  return x.p.files.add(f, (flags & O.CLOEXEC) !== 0);
}

export const open: Syscall = { nr: 2, name: 'open', handler: (x, [p, flags, mode]) => openAt(x, AT_FDCWD, p, int(flags), mode) };
export const openat: Syscall = { nr: 257, name: 'openat', handler: (x, [d, p, flags, mode]) => openAt(x, d, p, int(flags), mode) };
export const creat: Syscall = { nr: 85, name: 'creat', handler: (x, [p, mode]) => openAt(x, AT_FDCWD, p, O.CREAT | O.WRONLY | O.TRUNC, mode) };
export const close: Syscall = { nr: 3, name: 'close', handler: (x, [fd]) => x.p.files.close(int(fd)) };
