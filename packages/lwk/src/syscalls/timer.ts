// ITIMER_REAL on the virtual clock: alarm, setitimer, getitimer. SIGALRM goes to the process when
// virtual time reaches the deadline, so runs repeat exactly.
import { E } from '../errno.js';
import type { Process } from '../proc/process.js';
import { SIG, SI_KERNEL } from '../signal/signals.js';
import type { Sys, Syscall } from './context.js';

const ITIMER_REAL = 0;

function arm(x: Sys, p: Process, at: number, interval: number): void {
  p.realTimer?.cancel();
  p.realTimer = undefined;
  if (at <= 0) return;
  const k = x.k;
  const fire = (when: number): void => {
    const h = k.node.clock.at(when, () => {
      if (p.state !== 'live') { p.realTimer = undefined; return; }
      k.signal(p, { signo: SIG.ALRM, code: SI_KERNEL });
      if (interval > 0) fire(when + interval); else p.realTimer = undefined;
    });
    p.realTimer = { at: when, interval, cancel: () => h.cancel() };
  };
  fire(at);
}

/** What is left of the timer, in ns (0 when disarmed). */
const left = (x: Sys, p: Process): number => (p.realTimer ? Math.max(p.realTimer.at - x.now(), 1000) : 0);

function putItimerval(x: Sys, va: number, intervalNs: number, valueNs: number): boolean {
  const b = new Uint8Array(32);
  const dv = new DataView(b.buffer);
  const put = (off: number, ns: number) => {
    const us = Math.ceil(ns / 1000);
    dv.setBigInt64(off, BigInt(Math.floor(us / 1e6)), true);
    dv.setBigInt64(off + 8, BigInt(us % 1e6), true);
  };
  put(0, intervalNs);
  put(16, valueNs);
  return x.write(va, b);
}

export const alarm: Syscall = {
  nr: 37, name: 'alarm',
  handler(x, [seconds]) {
    const p = x.p;
    const prev = Math.ceil(left(x, p) / 1e9);
    arm(x, p, seconds ? x.now() + (seconds >>> 0) * 1e9 : 0, 0);
    return prev;
  },
};

export const getitimer: Syscall = {
  nr: 36, name: 'getitimer',
  handler(x, [which, cur]) {
    if (which !== ITIMER_REAL) return which <= 2 ? putItimerval(x, cur, 0, 0) ? 0 : -E.FAULT : -E.INVAL;
    return putItimerval(x, cur, x.p.realTimer?.interval ?? 0, left(x, x.p)) ? 0 : -E.FAULT;
  },
};

export const setitimer: Syscall = {
  nr: 38, name: 'setitimer',
  handler(x, [which, next, old]) {
    // ITIMER_VIRTUAL and ITIMER_PROF are accepted and never fire (CPU-time timers are not modelled).
    if (which > 2) return -E.INVAL;
    const p = x.p;
    if (old && !putItimerval(x, old, which === ITIMER_REAL ? p.realTimer?.interval ?? 0 : 0, which === ITIMER_REAL ? left(x, p) : 0)) return -E.FAULT;
    if (!next || which !== ITIMER_REAL) return 0;
    const b = x.read(next, 32);
    if (!b) return -E.FAULT;
    const dv = new DataView(b.buffer);
    const ns = (off: number) => Number(dv.getBigInt64(off, true)) * 1e9 + Number(dv.getBigInt64(off + 8, true)) * 1000;
    const interval = ns(0), value = ns(16);
    if (interval < 0 || value < 0 || Number(dv.getBigInt64(8, true)) >= 1e6 || Number(dv.getBigInt64(24, true)) >= 1e6) return -E.INVAL;
    arm(x, p, value ? x.now() + value : 0, interval);
    return 0;
  },
};
