// Time, all of it virtual: clock_gettime, clock_getres, gettimeofday, time, times, getrusage,
// nanosleep, clock_nanosleep. The same run gives the same readings.
import { E } from '../errno.js';
import { type Result, type Sys, type Syscall, int } from './context.js';

/** Virtual time 0 is this wall-clock instant (2024-01-01T00:00:00Z), so dates look sane. */
export const EPOCH_NS = 1704067200 * 1e9;

function timespec(ns: number): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  const sec = Math.floor(ns / 1e9);
  dv.setBigInt64(0, BigInt(sec), true);
  dv.setBigInt64(8, BigInt(Math.floor(ns - sec * 1e9)), true);
  return b;
}

const REALTIME = new Set([0, 5, 8, 11]);

function clockNow(x: Sys, clock: number): number | undefined {
  if (clock < 0 || clock > 11) return undefined;
  const now = x.now();
  if (clock === 2 || clock === 3) return x.t.sched.core.cpu.icount * 1e9 / x.t.sched.core.freqHz; // CPU time
  return REALTIME.has(clock) ? now + EPOCH_NS : now;
}

export const clockGettime: Syscall = {
  nr: 228, name: 'clock_gettime',
  handler(x, [clock, tp]) {
    const ns = clockNow(x, int(clock));
    if (ns === undefined) return -E.INVAL;
    return x.write(tp, timespec(ns)) ? 0 : -E.FAULT;
  },
};

export const clockGetres: Syscall = {
  nr: 229, name: 'clock_getres',
  handler(x, [clock, tp]) {
    if (clockNow(x, int(clock)) === undefined) return -E.INVAL;
    return !tp || x.write(tp, timespec(1)) ? 0 : -E.FAULT;
  },
};

export const gettimeofday: Syscall = {
  nr: 96, name: 'gettimeofday',
  handler(x, [tv]) {
    if (!tv) return 0;
    const ns = x.now() + EPOCH_NS;
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setBigInt64(0, BigInt(Math.floor(ns / 1e9)), true);
    dv.setBigInt64(8, BigInt(Math.floor((ns % 1e9) / 1000)), true);
    return x.write(tv, b) ? 0 : -E.FAULT;
  },
};

export const time: Syscall = {
  nr: 201, name: 'time',
  handler(x, [t]) {
    const s = Math.floor((x.now() + EPOCH_NS) / 1e9);
    if (t && !x.putU64(t, s)) return -E.FAULT;
    return s;
  },
};

export const times: Syscall = {
  nr: 100, name: 'times',
  handler(x, [buf]) {
    const ticks = Math.floor(x.now() / 1e7);
    if (buf) {
      const b = new Uint8Array(32);
      new DataView(b.buffer).setBigInt64(0, BigInt(ticks), true);
      if (!x.write(buf, b)) return -E.FAULT;
    }
    return ticks;
  },
};

export const getrusage: Syscall = {
  nr: 98, name: 'getrusage',
  handler(x, [, buf]) {
    const b = new Uint8Array(144);
    const us = Math.floor(x.now() / 1000);
    const dv = new DataView(b.buffer);
    dv.setBigInt64(0, BigInt(Math.floor(us / 1e6)), true);
    dv.setBigInt64(8, BigInt(us % 1e6), true);
    return x.write(buf, b) ? 0 : -E.FAULT;
  },
};

/**
 * Sleeps for `ns` (or until the absolute virtual time `until`). The SYSCALL re-executes after the
 * wakeup; the thread remembers its deadline across that, and a signal ends the sleep with -EINTR.
 */
function sleep(x: Sys, untilFn: () => number): Result {
  const t = x.t;
  if (t.timedOut) { t.timedOut = false; t.sleepUntil = undefined; return 0; }
  t.sleepUntil ??= untilFn();
  if (x.now() >= t.sleepUntil) { t.sleepUntil = undefined; return 0; }
  t.noRestart = true;
  return x.block({ what: 'sleep', ready: () => false, deadline: t.sleepUntil, interruptible: true });
}

function readTimespec(x: Sys, va: number): number | undefined {
  const s = x.u64(va), ns = x.u64(va + 8);
  if (s === undefined || ns === undefined) return undefined;
  if (s >= 2 ** 62 || ns >= 1e9) return -1;
  return s * 1e9 + ns;
}

export const nanosleep: Syscall = {
  nr: 35, name: 'nanosleep',
  handler(x, [req]) {
    const d = readTimespec(x, req);
    if (d === undefined) return -E.FAULT;
    if (d < 0) return -E.INVAL;
    return sleep(x, () => x.now() + d);
  },
};

export const clockNanosleep: Syscall = {
  nr: 230, name: 'clock_nanosleep',
  handler(x, [clock, flags, req]) {
    const d = readTimespec(x, req);
    if (d === undefined) return -E.FAULT;
    if (d < 0) return -E.INVAL;
    const now = clockNow(x, int(clock));
    if (now === undefined) return -E.INVAL;
    return sleep(x, () => x.now() + (flags & 1 ? d - now : d));
  },
};
