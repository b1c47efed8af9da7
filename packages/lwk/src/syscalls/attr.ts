// File attributes: access, chmod, chown (accepted: the job runs as one user), truncate, umask,
// utimensat, fsync.
import { E } from '../errno.js';
import { type Sys, type Syscall, int } from './context.js';
import { pathArg } from './open.js';

function accessAt(x: Sys, d: number, p: number): number {
  const path = pathArg(x, d, p);
  if (typeof path === 'number') return path;
  const st = x.k.vfs.stat('/', path, true, x.k.procView(x.p));
  return typeof st === 'number' ? st : 0;
}
export const access: Syscall = { nr: 21, name: 'access', handler: (x, [p]) => accessAt(x, -100, p) };
export const faccessat: Syscall = { nr: 269, name: 'faccessat', handler: (x, [d, p]) => accessAt(x, d, p) };
export const faccessat2: Syscall = { nr: 439, name: 'faccessat2', handler: (x, [d, p]) => accessAt(x, d, p) };

function chmodAt(x: Sys, d: number, p: number, mode: number): number {
  const path = pathArg(x, d, p);
  return typeof path === 'number' ? path : x.k.vfs.root.chmod(path, mode);
}
export const chmod: Syscall = { nr: 90, name: 'chmod', handler: (x, [p, m]) => chmodAt(x, -100, p, m) };
export const fchmodat: Syscall = { nr: 268, name: 'fchmodat', handler: (x, [d, p, m]) => chmodAt(x, d, p, m) };
export const fchmod: Syscall = {
  nr: 91, name: 'fchmod',
  handler(x, [fd, m]) { const f = x.p.files.get(int(fd)); return f ? x.k.vfs.root.chmod(f.path, m) : -E.BADF; },
};

const okIfExists = (x: Sys, d: number, p: number) => accessAt(x, d, p);
export const chown: Syscall = { nr: 92, name: 'chown', handler: (x, [p]) => okIfExists(x, -100, p) };
export const lchown: Syscall = { nr: 94, name: 'lchown', handler: (x, [p]) => okIfExists(x, -100, p) };
export const fchownat: Syscall = { nr: 260, name: 'fchownat', handler: (x, [d, p]) => okIfExists(x, d, p) };
export const fchown: Syscall = { nr: 93, name: 'fchown', handler: (x, [fd]) => (x.p.files.get(int(fd)) ? 0 : -E.BADF) };

export const truncate: Syscall = {
  nr: 76, name: 'truncate',
  handler(x, [p, len]) { const path = pathArg(x, -100, p); return typeof path === 'number' ? path : x.k.vfs.root.truncate(path, len); },
};
export const ftruncate: Syscall = {
  nr: 77, name: 'ftruncate',
  handler(x, [fd, len]) {
    const f = x.p.files.get(int(fd));
    if (!f) return -E.BADF;
    if (!f.writable || !f.impl.truncate) return -E.INVAL;
    return f.impl.truncate(len);
  },
};

export const umask: Syscall = { nr: 95, name: 'umask', handler(x, [m]) { const old = x.p.umask; x.p.umask = m & 0o777; return old; } };

export const utimensat: Syscall = {
  nr: 280, name: 'utimensat',
  handler(x, [d, p, times]) {
    let mtime = x.now() + 1704067200e9;
    if (times) {
      const sec = x.u64(times + 16), nsec = x.u64(times + 24);
      if (sec === undefined || nsec === undefined) return -E.FAULT;
      if (nsec !== 0x3ffffffe && nsec !== 0x3fffffff) mtime = sec * 1e9 + nsec;
    }
    if (!p) {
      const f = x.p.files.get(int(d));
      return f ? x.k.vfs.root.utimens(f.path, mtime, mtime) : -E.BADF;
    }
    const path = pathArg(x, d, p);
    return typeof path === 'number' ? path : x.k.vfs.root.utimens(path, mtime, mtime);
  },
};

const fdOk = (x: Sys, fd: number) => (x.p.files.get(int(fd)) ? 0 : -E.BADF);
export const fsync: Syscall = { nr: 74, name: 'fsync', handler: (x, [fd]) => fdOk(x, fd) };
export const fdatasync: Syscall = { nr: 75, name: 'fdatasync', handler: (x, [fd]) => fdOk(x, fd) };
export const flock: Syscall = { nr: 73, name: 'flock', handler: (x, [fd]) => fdOk(x, fd) };
export const sync: Syscall = { nr: 162, name: 'sync', handler: () => 0 };
