// read/write and their vector and positional forms.
import { E } from '../errno.js';
import type { OpenFile } from '../fs/file.js';
import { SIG } from '../signal/signals.js';
import { type Result, type Sys, type Syscall, int } from './context.js';

const MAX_IO = 1 << 24;

function readInto(x: Sys, f: OpenFile, buf: number, count: number): Result {
  if (!f.readable) return -E.BADF;
  if (count === 0) return 0;
  const r = f.impl.read(f, Math.min(count, MAX_IO));
  if (r === 'block') return x.block({ what: `read ${f.path}`, ready: () => f.impl.readReady(), interruptible: true });
  if (typeof r === 'number') return r;
  if (!x.write(buf, r)) return -E.FAULT;
  return r.length;
}

export function writeFrom(x: Sys, f: OpenFile, bytes: Uint8Array): Result {
  if (!f.writable) return -E.BADF;
  const r = f.impl.write(f, bytes);
  if (r === 'block') return x.block({ what: `write ${f.path}`, ready: () => f.impl.writeReady(), interruptible: true });
  if (r === -E.PIPE) x.k.signal(x.t, { signo: SIG.PIPE, code: 0, pid: x.p.pid, uid: 1000 });
  return r;
}

export const read: Syscall = {
  nr: 0, name: 'read',
  handler(x, [fd, buf, count]) {
    const f = x.p.files.get(int(fd));
    return f ? readInto(x, f, buf, count) : -E.BADF;
  },
};

export const write: Syscall = {
  nr: 1, name: 'write',
  handler(x, [fd, buf, count]) {
    const f = x.p.files.get(int(fd));
    if (!f) return -E.BADF;
    if (count === 0) return 0;
    const bytes = x.read(buf, Math.min(count, MAX_IO));
    return bytes ? writeFrom(x, f, bytes) : -E.FAULT;
  },
};

function iovecs(x: Sys, iov: number, n: number): { base: number; len: number }[] | number {
  if (n < 0 || n > 1024) return -E.INVAL;
  const raw = x.read(iov, 16 * n);
  if (!raw) return -E.FAULT;
  const dv = new DataView(raw.buffer);
  const out = [];
  for (let i = 0; i < n; i++) out.push({ base: dv.getUint32(i * 16 + 4, true) * 4294967296 + dv.getUint32(i * 16, true), len: dv.getUint32(i * 16 + 8, true) });
  return out;
}

export const readv: Syscall = {
  nr: 19, name: 'readv',
  handler(x, [fd, iov, cnt]) {
    const f = x.p.files.get(int(fd));
    if (!f) return -E.BADF;
    const v = iovecs(x, iov, int(cnt));
    if (typeof v === 'number') return v;
    const total = v.reduce((a, e) => a + e.len, 0);
    if (total === 0) return 0;
    const r = f.impl.read(f, Math.min(total, MAX_IO));
    if (r === 'block') return x.block({ what: `readv ${f.path}`, ready: () => f.impl.readReady(), interruptible: true });
    if (typeof r === 'number') return r;
    let off = 0;
    for (const e of v) {
      if (off >= r.length) break;
      const n = Math.min(e.len, r.length - off);
      if (!x.write(e.base, r.subarray(off, off + n))) return -E.FAULT;
      off += n;
    }
    return r.length;
  },
};

export const writev: Syscall = {
  nr: 20, name: 'writev',
  handler(x, [fd, iov, cnt]) {
    const f = x.p.files.get(int(fd));
    if (!f) return -E.BADF;
    const v = iovecs(x, iov, int(cnt));
    if (typeof v === 'number') return v;
    const parts: Uint8Array[] = [];
    for (const e of v) {
      if (!e.len) continue;
      const b = x.read(e.base, e.len);
      if (!b) return -E.FAULT;
      parts.push(b);
    }
    const all = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
    let o = 0;
    for (const b of parts) { all.set(b, o); o += b.length; }
    return all.length ? writeFrom(x, f, all) : 0;
  },
};

export const pread64: Syscall = {
  nr: 17, name: 'pread64',
  handler(x, [fd, buf, count, off]) {
    const f = x.p.files.get(int(fd));
    if (!f) return -E.BADF;
    if (!f.impl.seekable || f.impl.kind === 'pipe') return -E.SPIPE;
    const save = f.pos;
    f.pos = off;
    const r = readInto(x, f, buf, count);
    f.pos = save;
    return r;
  },
};

export const pwrite64: Syscall = {
  nr: 18, name: 'pwrite64',
  handler(x, [fd, buf, count, off]) {
    const f = x.p.files.get(int(fd));
    if (!f) return -E.BADF;
    if (!f.impl.seekable || f.impl.kind === 'pipe') return -E.SPIPE;
    const bytes = x.read(buf, Math.min(count, MAX_IO));
    if (!bytes) return -E.FAULT;
    const save = f.pos;
    f.pos = off;
    const r = writeFrom(x, f, bytes);
    f.pos = save;
    return r;
  },
};

export const lseek: Syscall = {
  nr: 8, name: 'lseek',
  handler(x, [fd, off, whence]) {
    const f = x.p.files.get(int(fd));
    if (!f) return -E.BADF;
    if (f.impl.kind === 'pipe') return -E.SPIPE;
    const o = off >= 2 ** 63 ? off - 2 ** 64 : off;
    const base = whence === 0 ? 0 : whence === 1 ? f.pos : whence === 2 ? (f.impl.size?.() ?? f.impl.stat().size) : NaN;
    if (Number.isNaN(base)) return -E.INVAL;
    if (base + o < 0) return -E.INVAL;
    f.pos = base + o;
    if (f.impl.kind === 'dir') f.dirPos = f.pos;
    return f.pos;
  },
};

export const sendfile: Syscall = {
  nr: 40, name: 'sendfile',
  handler(x, [outFd, inFd, offPtr, count]) {
    const out = x.p.files.get(int(outFd)), inp = x.p.files.get(int(inFd));
    if (!out || !inp) return -E.BADF;
    if (!inp.readable || !out.writable) return -E.BADF;
    let save = -1;
    if (offPtr) {
      const off = x.u64(offPtr);
      if (off === undefined) return -E.FAULT;
      save = inp.pos;
      inp.pos = off;
    }
    const data = inp.impl.read(inp, Math.min(count, 1 << 20));
    if (data === 'block') { if (save >= 0) inp.pos = save; return x.block({ what: 'sendfile', ready: () => inp.impl.readReady(), interruptible: true }); }
    if (typeof data === 'number') { if (save >= 0) inp.pos = save; return data; }
    const r = data.length ? writeFrom(x, out, data) : 0;
    if (offPtr) { x.putU64(offPtr, inp.pos); inp.pos = save; }
    return r;
  },
};
