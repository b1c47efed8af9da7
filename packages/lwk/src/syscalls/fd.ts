// Descriptor plumbing: dup/dup2/dup3, pipe/pipe2, fcntl, ioctl.
import { E } from '../errno.js';
import { OpenFile } from '../fs/file.js';
import { Pipe, pipeEnd } from '../fs/pipe.js';
import { O } from '../fs/types.js';
import { type Sys, type Syscall, int } from './context.js';

let pipeIno = 0x10000;

export const dup: Syscall = {
  nr: 32, name: 'dup',
  handler(x, [fd]) { const f = x.p.files.get(int(fd)); return f ? x.p.files.add(f.ref()) : -E.BADF; },
};

function dup3(x: Sys, oldfd: number, newfd: number, flags: number): number {
  const f = x.p.files.get(int(oldfd));
  if (!f) return -E.BADF;
  if (int(newfd) < 0 || int(newfd) >= 1024) return -E.BADF;
  if (oldfd === newfd) return newfd;
  x.p.files.set(int(newfd), f.ref(), (flags & O.CLOEXEC) !== 0);
  return newfd;
}
export const dup2: Syscall = {
  nr: 33, name: 'dup2',
  handler(x, [a, b]) { if (a === b) return x.p.files.get(int(a)) ? b : -E.BADF; return dup3(x, a, b, 0); },
};
export const dup3Call: Syscall = {
  nr: 292, name: 'dup3',
  handler(x, [a, b, flags]) { return a === b ? -E.INVAL : dup3(x, a, b, int(flags)); },
};

function makePipe(x: Sys, fds: number, flags: number): number {
  const p = new Pipe(pipeIno++);
  const extra = flags & O.NONBLOCK;
  const r = new OpenFile(pipeEnd(p, true), O.RDONLY | extra, `pipe:[${p.ino}]`);
  const w = new OpenFile(pipeEnd(p, false), O.WRONLY | extra, `pipe:[${p.ino}]`);
  const cloexec = (flags & O.CLOEXEC) !== 0;
  const a = x.p.files.add(r, cloexec);
  if (a < 0) { w.unref(); return a; }
  const b = x.p.files.add(w, cloexec);
  if (b < 0) { x.p.files.close(a); return b; }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setInt32(0, a, true);
  new DataView(out.buffer).setInt32(4, b, true);
  if (!x.write(fds, out)) { x.p.files.close(a); x.p.files.close(b); return -E.FAULT; }
  return 0;
}
export const pipe: Syscall = { nr: 22, name: 'pipe', handler: (x, [fds]) => makePipe(x, fds, 0) };
export const pipe2: Syscall = { nr: 293, name: 'pipe2', handler: (x, [fds, flags]) => makePipe(x, fds, int(flags)) };

const F = { DUPFD: 0, GETFD: 1, SETFD: 2, GETFL: 3, SETFL: 4, GETLK: 5, SETLK: 6, SETLKW: 7, DUPFD_CLOEXEC: 1030, GETPIPE_SZ: 1032 } as const;

export const fcntl: Syscall = {
  nr: 72, name: 'fcntl',
  handler(x, [fdArg, cmd, arg]) {
    const fd = int(fdArg);
    const f = x.p.files.get(fd);
    if (!f) return -E.BADF;
    switch (cmd) {
      case F.DUPFD: case F.DUPFD_CLOEXEC: return x.p.files.add(f.ref(), cmd === F.DUPFD_CLOEXEC, int(arg));
      case F.GETFD: return x.p.files.cloexec(fd) ? 1 : 0;
      case F.SETFD: x.p.files.setCloexec(fd, (arg & 1) !== 0); return 0;
      case F.GETFL: return f.flags & ~O.CLOEXEC;
      case F.SETFL: f.flags = (f.flags & ~(O.APPEND | O.NONBLOCK)) | (arg & (O.APPEND | O.NONBLOCK)); return 0;
      case F.GETLK: return x.write(arg, new Uint8Array([2, 0])) ? 0 : -E.FAULT; // F_UNLCK: never locked
      case F.SETLK: case F.SETLKW: return 0;
      case F.GETPIPE_SZ: return f.impl.kind === 'pipe' ? 65536 : -E.INVAL;
      default: return -E.INVAL;
    }
  },
};

const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGWINSZ = 0x5413, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, FIONREAD = 0x541b, FIONBIO = 0x5421;

export const ioctl: Syscall = {
  nr: 16, name: 'ioctl',
  handler(x, [fd, req, arg]) {
    const f = x.p.files.get(int(fd));
    if (!f) return -E.BADF;
    if (req === FIONBIO) { const v = x.u32(arg); if (v === undefined) return -E.FAULT; f.flags = v ? f.flags | O.NONBLOCK : f.flags & ~O.NONBLOCK; return 0; }
    if (req === FIONREAD && f.impl.kind === 'pipe') return x.putU32(arg, f.impl.readReady() ? 1 : 0) ? 0 : -E.FAULT;
    if (!f.impl.isatty?.()) return -E.NOTTY;
    switch (req) {
      case TCGETS: {
        // A cooked terminal: ICRNL | IXON, OPOST | ONLCR, CS8 | CREAD | B38400, ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN.
        const t = new Uint8Array(60);
        const dv = new DataView(t.buffer);
        dv.setUint32(0, 0x500, true); dv.setUint32(4, 0x5, true); dv.setUint32(8, 0xbf, true); dv.setUint32(12, 0x8a3b, true);
        t[17] = 3; t[18] = 0x1c; t[19] = 0x7f; t[20] = 0x15; t[21] = 4; t[23] = 1;
        return x.write(arg, t) ? 0 : -E.FAULT;
      }
      case TCSETS: case TCSETSW: case TCSETSF: return 0;
      case TIOCGWINSZ: {
        const w = new Uint8Array(8);
        new DataView(w.buffer).setUint16(0, 24, true);
        new DataView(w.buffer).setUint16(2, 80, true);
        return x.write(arg, w) ? 0 : -E.FAULT;
      }
      case TIOCGPGRP: return x.putU32(arg, x.p.pgid) ? 0 : -E.FAULT;
      case TIOCSPGRP: return 0;
      default: return -E.NOTTY;
    }
  },
};
