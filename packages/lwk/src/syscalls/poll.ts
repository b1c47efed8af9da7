// poll, ppoll, select, pselect6 over pipes, the console and files.
import { E } from '../errno.js';
import type { OpenFile } from '../fs/file.js';
import { type Result, type Sys, type Syscall, int } from './context.js';

const POLLIN = 1, POLLPRI = 2, POLLOUT = 4, POLLERR = 8, POLLHUP = 0x10, POLLNVAL = 0x20;

function ready(f: OpenFile | undefined, events: number): number {
  if (!f) return POLLNVAL;
  let r = 0;
  if ((events & (POLLIN | POLLPRI)) && f.readable && f.impl.readReady()) r |= POLLIN;
  if ((events & POLLOUT) && f.writable && f.impl.writeReady()) r |= POLLOUT;
  return r;
}

function deadlineOf(x: Sys, ns: number | undefined): number | undefined {
  if (ns === undefined) return undefined;
  return x.t.sleepUntil ??= x.now() + ns;
}

function doPoll(x: Sys, fds: number, nfds: number, timeoutNs: number | undefined): Result {
  if (nfds > 1024) return -E.INVAL;
  const raw = x.read(fds, nfds * 8);
  if (!raw) return -E.FAULT;
  const dv = new DataView(raw.buffer);
  const scan = (): number => {
    let n = 0;
    for (let i = 0; i < nfds; i++) {
      const fd = dv.getInt32(i * 8, true), ev = dv.getInt16(i * 8 + 4, true);
      const r = fd < 0 ? 0 : ready(x.p.files.get(fd), ev);
      dv.setInt16(i * 8 + 6, r, true);
      if (r) n++;
    }
    return n;
  };
  const n = scan();
  const t = x.t;
  if (n || timeoutNs === 0 || t.timedOut) {
    t.timedOut = false;
    t.sleepUntil = undefined;
    return x.write(fds, raw) ? n : -E.FAULT;
  }
  t.noRestart = true;
  return x.block({ what: 'poll', ready: () => scan() > 0, deadline: deadlineOf(x, timeoutNs), interruptible: true });
}

export const poll: Syscall = {
  nr: 7, name: 'poll',
  handler: (x, [fds, nfds, timeout]) => doPoll(x, fds, int(nfds), int(timeout) < 0 ? undefined : int(timeout) * 1e6),
};

export const ppoll: Syscall = {
  nr: 271, name: 'ppoll',
  handler(x, [fds, nfds, tsp]) {
    let ns: number | undefined;
    if (tsp) {
      const s = x.u64(tsp), n = x.u64(tsp + 8);
      if (s === undefined || n === undefined) return -E.FAULT;
      ns = s * 1e9 + n;
    }
    return doPoll(x, fds, int(nfds), ns);
  },
};

function doSelect(x: Sys, nfds: number, rd: number, wr: number, ex: number, ns: number | undefined): Result {
  if (nfds < 0 || nfds > 1024) return -E.INVAL;
  const bytes = Math.ceil(nfds / 64) * 8;
  const load = (va: number) => (va ? x.read(va, bytes) : new Uint8Array(bytes));
  const r = load(rd), w = load(wr), e = load(ex);
  if (!r || !w || !e) return -E.FAULT;
  const scan = (commit: boolean): number => {
    let n = 0;
    const outR = new Uint8Array(bytes), outW = new Uint8Array(bytes);
    for (let fd = 0; fd < nfds; fd++) {
      const bitR = (r[fd >> 3] >> (fd & 7)) & 1, bitW = (w[fd >> 3] >> (fd & 7)) & 1;
      if (!bitR && !bitW) continue;
      const f = x.p.files.get(fd);
      if (!f) return -E.BADF;
      if (bitR && ready(f, POLLIN)) { outR[fd >> 3] |= 1 << (fd & 7); n++; }
      if (bitW && ready(f, POLLOUT)) { outW[fd >> 3] |= 1 << (fd & 7); n++; }
    }
    if (commit) {
      if ((rd && !x.write(rd, outR)) || (wr && !x.write(wr, outW)) || (ex && !x.write(ex, new Uint8Array(bytes)))) return -E.FAULT;
    }
    return n;
  };
  const n = scan(false);
  const t = x.t;
  if (n !== 0 || ns === 0 || t.timedOut) {
    t.timedOut = false;
    t.sleepUntil = undefined;
    return n < 0 ? n : scan(true);
  }
  t.noRestart = true;
  return x.block({ what: 'select', ready: () => scan(false) !== 0, deadline: deadlineOf(x, ns), interruptible: true });
}

export const select: Syscall = {
  nr: 23, name: 'select',
  handler(x, [nfds, rd, wr, ex, tv]) {
    let ns: number | undefined;
    if (tv) {
      const s = x.u64(tv), us = x.u64(tv + 8);
      if (s === undefined || us === undefined) return -E.FAULT;
      ns = s * 1e9 + us * 1000;
    }
    return doSelect(x, int(nfds), rd, wr, ex, ns);
  },
};

export const pselect6: Syscall = {
  nr: 270, name: 'pselect6',
  handler(x, [nfds, rd, wr, ex, tsp]) {
    let ns: number | undefined;
    if (tsp) {
      const s = x.u64(tsp), n = x.u64(tsp + 8);
      if (s === undefined || n === undefined) return -E.FAULT;
      ns = s * 1e9 + n;
    }
    return doSelect(x, int(nfds), rd, wr, ex, ns);
  },
};

export { POLLERR, POLLHUP };
