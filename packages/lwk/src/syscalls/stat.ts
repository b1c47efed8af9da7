// stat, fstat, lstat, newfstatat and statx: the kernel's struct stat (144 bytes) and struct statx.
import { E } from '../errno.js';
import type { Stat } from '../fs/types.js';
import { type Sys, type Syscall, int } from './context.js';
import { AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, pathArg } from './open.js';

function put(dv: DataView, off: number, v: number): void {
  dv.setBigInt64(off, BigInt(Math.trunc(v)), true);
}

export function encodeStat(st: Stat): Uint8Array {
  const b = new Uint8Array(144);
  const dv = new DataView(b.buffer);
  put(dv, 0, st.dev); put(dv, 8, st.ino); put(dv, 16, st.nlink);
  dv.setUint32(24, st.mode, true); dv.setUint32(28, st.uid, true); dv.setUint32(32, st.gid, true);
  put(dv, 40, st.rdev); put(dv, 48, st.size); put(dv, 56, st.blksize); put(dv, 64, st.blocks);
  const t = (off: number, ns: number) => { put(dv, off, Math.floor(ns / 1e9)); put(dv, off + 8, ns % 1e9); };
  t(72, st.atimeNs); t(88, st.mtimeNs); t(104, st.ctimeNs);
  return b;
}

function statPath(x: Sys, dirfd: number, ptr: number, flags: number): Stat | number {
  const raw = x.str(ptr, 4096);
  if (raw === undefined) return -E.FAULT;
  if (raw === '' && (flags & AT_EMPTY_PATH)) {
    const f = x.p.files.get(int(dirfd));
    return f ? f.impl.stat() : -E.BADF;
  }
  const path = pathArg(x, dirfd, ptr);
  if (typeof path === 'number') return path;
  return x.k.vfs.stat('/', path, (flags & AT_SYMLINK_NOFOLLOW) === 0, x.k.procView(x.p));
}

function out(x: Sys, buf: number, st: Stat | number): number {
  if (typeof st === 'number') return st;
  return x.write(buf, encodeStat(st)) ? 0 : -E.FAULT;
}

export const stat: Syscall = { nr: 4, name: 'stat', handler: (x, [p, buf]) => out(x, buf, statPath(x, -100, p, 0)) };
export const lstat: Syscall = { nr: 6, name: 'lstat', handler: (x, [p, buf]) => out(x, buf, statPath(x, -100, p, AT_SYMLINK_NOFOLLOW)) };
export const newfstatat: Syscall = { nr: 262, name: 'newfstatat', handler: (x, [d, p, buf, flags]) => out(x, buf, statPath(x, d, p, int(flags))) };
export const fstat: Syscall = {
  nr: 5, name: 'fstat',
  handler(x, [fd, buf]) {
    const f = x.p.files.get(int(fd));
    return f ? out(x, buf, f.impl.stat()) : -E.BADF;
  },
};

export const statx: Syscall = {
  nr: 332, name: 'statx',
  handler(x, [d, p, flags, _mask, buf]) {
    const st = statPath(x, d, p, int(flags));
    if (typeof st === 'number') return st;
    const b = new Uint8Array(256);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, 0x7ff, true); // STATX_BASIC_STATS
    dv.setUint32(4, st.blksize, true);
    dv.setUint32(16, st.nlink, true); dv.setUint32(20, st.uid, true); dv.setUint32(24, st.gid, true);
    dv.setUint16(28, st.mode, true);
    put(dv, 32, st.ino); put(dv, 40, st.size); put(dv, 48, st.blocks);
    const t = (off: number, ns: number) => { put(dv, off, Math.floor(ns / 1e9)); dv.setUint32(off + 8, ns % 1e9, true); };
    t(64, st.atimeNs); t(80, st.ctimeNs); t(96, st.ctimeNs); t(112, st.mtimeNs);
    dv.setUint32(128, st.rdev >>> 8, true); dv.setUint32(132, st.rdev & 0xff, true);
    dv.setUint32(136, st.dev >>> 8, true); dv.setUint32(140, st.dev & 0xff, true);
    return x.write(buf, b) ? 0 : -E.FAULT;
  },
};

export const statfs: Syscall = {
  nr: 137, name: 'statfs',
  handler(x, [, buf]) {
    const b = new Uint8Array(120);
    const dv = new DataView(b.buffer);
    put(dv, 0, 0x01021994); put(dv, 8, 4096); put(dv, 16, 1 << 20); put(dv, 24, 1 << 19); put(dv, 32, 1 << 19);
    put(dv, 40, 1 << 16); put(dv, 48, 1 << 15); put(dv, 64, 255); put(dv, 72, 4096);
    return x.write(buf, b) ? 0 : -E.FAULT;
  },
};
export const fstatfs: Syscall = { nr: 138, name: 'fstatfs', handler: (x, [, buf]) => statfs.handler(x, [0, buf]) };
