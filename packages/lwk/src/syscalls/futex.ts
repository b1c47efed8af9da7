// futex: WAIT blocks while the word holds the expected value; WAKE wakes waiters in order.
import { E } from '../errno.js';
import { type Syscall } from './context.js';

const WAIT = 0, WAKE = 1, REQUEUE = 3, CMP_REQUEUE = 4, WAKE_OP = 5, WAIT_BITSET = 9, WAKE_BITSET = 10;

export const futex: Syscall = {
  nr: 202, name: 'futex',
  handler(x, [uaddr, opArg, val, timeout, uaddr2, val3]) {
    const op = opArg & 0x7f;
    const t = x.t;
    switch (op) {
      case WAIT: case WAIT_BITSET: {
        if (t.futexWoken) { t.futexWoken = false; return 0; }
        if (t.timedOut) { t.timedOut = false; x.k.futexCancel(t, uaddr); return -E.TIMEDOUT; }
        const cur = x.u32(uaddr);
        if (cur === undefined) return -E.FAULT;
        if (cur !== (val >>> 0)) return -E.AGAIN;
        let deadline: number | undefined;
        if (timeout) {
          const s = x.u64(timeout), ns = x.u64(timeout + 8);
          if (s === undefined || ns === undefined) return -E.FAULT;
          // FUTEX_WAIT takes a relative timeout; WAIT_BITSET an absolute CLOCK_MONOTONIC one.
          deadline = op === WAIT ? x.now() + s * 1e9 + ns : s * 1e9 + ns;
        }
        x.k.futexWait(t, uaddr);
        return x.block({ what: `futex 0x${uaddr.toString(16)}`, ready: () => t.futexWoken, deadline, interruptible: true });
      }
      // Linux's wake loops count a waiter before comparing with the limit: 0 (or less) wakes one.
      case WAKE: case WAKE_BITSET:
        return x.k.futexWake(x.p, uaddr, Math.max(1, val | 0));
      case REQUEUE: case CMP_REQUEUE: {
        if (op === CMP_REQUEUE && x.u32(uaddr) !== (val3 >>> 0)) return -E.AGAIN;
        const woken = x.k.futexWake(x.p, uaddr, Math.max(0, val | 0));
        // Requeued waiters are simply woken: they re-check their condition (correct, if less lazy).
        return woken + x.k.futexWake(x.p, uaddr2, timeout >>> 0 || 0);
      }
      case WAKE_OP: {
        const old = x.u32(uaddr2);
        if (old === undefined) return -E.FAULT;
        const opx = (val3 >>> 28) & 0xf, cmp = (val3 >>> 24) & 0xf;
        let oparg = (val3 >>> 12) & 0xfff, cmparg = val3 & 0xfff;
        if (opx & 8) oparg = 1 << oparg;
        const nv = [oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg][opx & 7] >>> 0;
        x.putU32(uaddr2, nv);
        cmparg >>>= 0;
        const o = old >>> 0;
        const hit = [o === cmparg, o !== cmparg, o < cmparg, o <= cmparg, o > cmparg, o >= cmparg][cmp] ?? false;
        return x.k.futexWake(x.p, uaddr, Math.max(1, val | 0)) + (hit ? x.k.futexWake(x.p, uaddr2, Math.max(1, timeout | 0)) : 0);
      }
      default:
        return -E.NOSYS;
    }
  },
};
