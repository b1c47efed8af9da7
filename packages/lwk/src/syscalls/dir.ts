// Directories and names: getdents64, getcwd, chdir, mkdir, rmdir, unlink, rename, link, symlink,
// readlink, and the *at forms.
import { E } from '../errno.js';
import { S_IFDIR, S_IFMT } from '../fs/types.js';
import { type Sys, type Syscall, int } from './context.js';
import { AT_REMOVEDIR, pathArg } from './open.js';

export const getdents64: Syscall = {
  nr: 217, name: 'getdents64',
  handler(x, [fd, buf, count]) {
    const f = x.p.files.get(int(fd));
    if (!f) return -E.BADF;
    if (!f.impl.readdir) return -E.NOTDIR;
    const all = f.impl.readdir();
    if (typeof all === 'number') return all;
    const enc = new TextEncoder();
    const out: number[] = [];
    while (f.dirPos < all.length) {
      const e = all[f.dirPos];
      const name = enc.encode(e.name);
      const len = (19 + name.length + 1 + 7) & ~7;
      if (out.length + len > count) break;
      const rec = new Uint8Array(len);
      const dv = new DataView(rec.buffer);
      dv.setBigUint64(0, BigInt(e.ino), true);
      dv.setBigInt64(8, BigInt(f.dirPos + 1), true);
      dv.setUint16(16, len, true);
      rec[18] = e.type;
      rec.set(name, 19);
      out.push(...rec);
      f.dirPos++;
    }
    if (out.length === 0 && f.dirPos < all.length) return -E.INVAL;
    return x.write(buf, Uint8Array.from(out)) ? out.length : -E.FAULT;
  },
};

export const getcwd: Syscall = {
  nr: 79, name: 'getcwd',
  handler(x, [buf, size]) {
    const b = new TextEncoder().encode(`${x.p.cwd}\0`);
    if (b.length > size) return -E.RANGE;
    return x.write(buf, b) ? b.length : -E.FAULT;
  },
};

function chdirTo(x: Sys, path: string): number {
  const st = x.k.vfs.stat('/', path, true, x.k.procView(x.p));
  if (typeof st === 'number') return st;
  if ((st.mode & S_IFMT) !== S_IFDIR) return -E.NOTDIR;
  x.p.cwd = path;
  return 0;
}

export const chdir: Syscall = {
  nr: 80, name: 'chdir',
  handler(x, [p]) { const path = pathArg(x, -100, p); return typeof path === 'number' ? path : chdirTo(x, path); },
};
export const fchdir: Syscall = {
  nr: 81, name: 'fchdir',
  handler(x, [fd]) { const f = x.p.files.get(int(fd)); return f ? chdirTo(x, f.path) : -E.BADF; },
};

const fs = (x: Sys) => x.k.vfs.root;
function withPath(x: Sys, d: number, p: number, fn: (path: string) => number): number {
  const path = pathArg(x, d, p);
  return typeof path === 'number' ? path : fn(path);
}
function withPaths(x: Sys, d1: number, p1: number, d2: number, p2: number, fn: (a: string, b: string) => number): number {
  const a = pathArg(x, d1, p1), b = pathArg(x, d2, p2);
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return fn(a, b);
}

export const mkdir: Syscall = { nr: 83, name: 'mkdir', handler: (x, [p, m]) => withPath(x, -100, p, (a) => fs(x).mkdir(a, m & ~x.p.umask)) };
export const mkdirat: Syscall = { nr: 258, name: 'mkdirat', handler: (x, [d, p, m]) => withPath(x, d, p, (a) => fs(x).mkdir(a, m & ~x.p.umask)) };
export const rmdir: Syscall = { nr: 84, name: 'rmdir', handler: (x, [p]) => withPath(x, -100, p, (a) => fs(x).rmdir(a)) };
export const unlink: Syscall = { nr: 87, name: 'unlink', handler: (x, [p]) => withPath(x, -100, p, (a) => fs(x).unlink(a)) };
export const unlinkat: Syscall = {
  nr: 263, name: 'unlinkat',
  handler: (x, [d, p, flags]) => withPath(x, d, p, (a) => ((flags & AT_REMOVEDIR) ? fs(x).rmdir(a) : fs(x).unlink(a))),
};
export const rename: Syscall = { nr: 82, name: 'rename', handler: (x, [a, b]) => withPaths(x, -100, a, -100, b, (p, q) => fs(x).rename(p, q)) };
export const renameat: Syscall = { nr: 264, name: 'renameat', handler: (x, [d1, a, d2, b]) => withPaths(x, d1, a, d2, b, (p, q) => fs(x).rename(p, q)) };
export const renameat2: Syscall = { nr: 316, name: 'renameat2', handler: (x, [d1, a, d2, b]) => withPaths(x, d1, a, d2, b, (p, q) => fs(x).rename(p, q)) };
export const link: Syscall = { nr: 86, name: 'link', handler: (x, [a, b]) => withPaths(x, -100, a, -100, b, (p, q) => fs(x).link(p, q)) };
export const linkat: Syscall = { nr: 265, name: 'linkat', handler: (x, [d1, a, d2, b]) => withPaths(x, d1, a, d2, b, (p, q) => fs(x).link(p, q)) };

function symlinkTo(x: Sys, target: number, d: number, p: number): number {
  const t = x.str(target, 4096);
  if (t === undefined) return -E.FAULT;
  return withPath(x, d, p, (a) => fs(x).symlink(t, a));
}
export const symlink: Syscall = { nr: 88, name: 'symlink', handler: (x, [t, p]) => symlinkTo(x, t, -100, p) };
export const symlinkat: Syscall = { nr: 266, name: 'symlinkat', handler: (x, [t, d, p]) => symlinkTo(x, t, d, p) };

function readlinkAt(x: Sys, d: number, p: number, buf: number, size: number): number {
  const path = pathArg(x, d, p);
  if (typeof path === 'number') return path;
  const r = x.k.vfs.readlink('/', path, x.k.procView(x.p));
  if (typeof r === 'number') return r;
  const b = new TextEncoder().encode(r).subarray(0, Math.max(0, int(size)));
  return x.write(buf, b) ? b.length : -E.FAULT;
}
export const readlink: Syscall = { nr: 89, name: 'readlink', handler: (x, [p, buf, size]) => readlinkAt(x, -100, p, buf, size) };
export const readlinkat: Syscall = { nr: 267, name: 'readlinkat', handler: (x, [d, p, buf, size]) => readlinkAt(x, d, p, buf, size) };
