// Signals: rt_sigaction, rt_sigprocmask, rt_sigreturn, sigaltstack, rt_sigpending, rt_sigsuspend,
// pause, kill, tkill, tgkill.
import { E } from '../errno.js';
import { sigreturn } from '../signal/deliver.js';
import { NSIG, SIG, SI_TKILL, SI_USER, UNBLOCKABLE, bit } from '../signal/signals.js';
import { NORETURN, type Result, type Sys, type Syscall, int } from './context.js';

export const rtSigaction: Syscall = {
  nr: 13, name: 'rt_sigaction',
  handler(x, [sig, act, oact, size]) {
    if (size !== 8 || sig < 1 || sig > NSIG) return -E.INVAL;
    const a = x.p.actions[sig];
    if (oact) {
      const b = new Uint8Array(32);
      const dv = new DataView(b.buffer);
      dv.setBigUint64(0, BigInt(a.handler), true);
      dv.setBigUint64(8, BigInt(a.flags), true);
      dv.setBigUint64(16, BigInt(a.restorer), true);
      dv.setBigUint64(24, a.mask, true);
      if (!x.write(oact, b)) return -E.FAULT;
    }
    if (act) {
      if (sig === SIG.KILL || sig === SIG.STOP) return -E.INVAL;
      const b = x.read(act, 32);
      if (!b) return -E.FAULT;
      const dv = new DataView(b.buffer);
      a.handler = Number(dv.getBigUint64(0, true));
      a.flags = Number(dv.getBigUint64(8, true) & 0xffffffffn);
      a.restorer = Number(dv.getBigUint64(16, true));
      a.mask = dv.getBigUint64(24, true) & ~UNBLOCKABLE;
      // Setting SIG_IGN discards what is pending (for SIGCHLD, say).
      if (a.handler === 1) for (const q of [x.p.pending, ...x.p.threads.map((t) => t.pending)]) for (let i = q.length - 1; i >= 0; i--) if (q[i].signo === sig) q.splice(i, 1);
    }
    return 0;
  },
};

export const rtSigprocmask: Syscall = {
  nr: 14, name: 'rt_sigprocmask',
  handler(x, [how, set, oset, size]) {
    if (size !== 8) return -E.INVAL;
    const old = x.t.sigmask;
    if (set) {
      const b = x.read(set, 8);
      if (!b) return -E.FAULT;
      const m = new DataView(b.buffer).getBigUint64(0, true);
      if (how === 0) x.t.sigmask |= m;
      else if (how === 1) x.t.sigmask &= ~m;
      else if (how === 2) x.t.sigmask = m;
      else return -E.INVAL;
      x.t.sigmask &= ~UNBLOCKABLE;
    }
    if (oset && !x.putU64(oset, old)) return -E.FAULT;
    return 0;
  },
};

export const rtSigreturn: Syscall = {
  nr: 15, name: 'rt_sigreturn',
  handler(x) {
    if (!sigreturn(x.k, x.t)) x.k.killProcess(x.p, { kind: 'killed', signal: SIG.SEGV, core: true, reason: 'bad signal frame in rt_sigreturn' });
    return NORETURN;
  },
};

export const sigaltstack: Syscall = {
  nr: 131, name: 'sigaltstack',
  handler(x, [ss, oss]) {
    const t = x.t;
    const sp = x.s.get64(4);
    const on = t.altStack.size > 0 && t.altStack.flags === 0 && sp > t.altStack.sp && sp <= t.altStack.sp + t.altStack.size;
    if (oss) {
      const b = new Uint8Array(24);
      const dv = new DataView(b.buffer);
      dv.setBigUint64(0, BigInt(t.altStack.sp), true);
      dv.setInt32(8, on ? 1 : t.altStack.flags, true);
      dv.setBigUint64(16, BigInt(t.altStack.size), true);
      if (!x.write(oss, b)) return -E.FAULT;
    }
    if (ss) {
      if (on) return -E.PERM;
      const b = x.read(ss, 24);
      if (!b) return -E.FAULT;
      const dv = new DataView(b.buffer);
      const flags = dv.getInt32(8, true);
      if (flags & ~(2 | 0x80000000)) return -E.INVAL;
      const size = Number(dv.getBigUint64(16, true));
      if (!(flags & 2) && size < 2048) return -E.NOMEM;
      t.altStack = flags & 2 ? { sp: 0, size: 0, flags: 2 } : { sp: Number(dv.getBigUint64(0, true)), size, flags: 0 };
    }
    return 0;
  },
};

export const rtSigpending: Syscall = {
  nr: 127, name: 'rt_sigpending',
  handler(x, [set]) {
    let m = 0n;
    for (const q of [x.t.pending, x.p.pending]) for (const i of q) m |= bit(i.signo);
    return x.putU64(set, m & x.t.sigmask) ? 0 : -E.FAULT;
  },
};

function suspend(x: Sys, mask: bigint | undefined): Result {
  // Wait with a temporary mask until a handler runs; the call then returns -EINTR.
  const t = x.t;
  if (t.savedMask === undefined && mask !== undefined) { t.savedMask = t.sigmask; t.sigmask = mask & ~UNBLOCKABLE; }
  t.noRestart = true;
  return x.block({ what: 'sigsuspend', ready: () => false, interruptible: true });
}

export const rtSigsuspend: Syscall = {
  nr: 130, name: 'rt_sigsuspend',
  handler(x, [set, size]) {
    if (size !== 8) return -E.INVAL;
    const b = x.read(set, 8);
    if (!b) return -E.FAULT;
    return suspend(x, new DataView(b.buffer).getBigUint64(0, true));
  },
};
export const pause: Syscall = { nr: 34, name: 'pause', handler: (x) => suspend(x, undefined) };

export const kill: Syscall = {
  nr: 62, name: 'kill',
  handler(x, [pidArg, sig]) {
    const pid = int(pidArg);
    if (sig < 0 || sig > NSIG) return -E.INVAL;
    const targets = [...x.k.procs.values()].filter((p) => p.state === 'live' && (pid > 0 ? p.pid === pid : pid === 0 ? p.pgid === x.p.pgid : pid === -1 ? p.pid !== 1 : p.pgid === -pid));
    if (!targets.length) return -E.SRCH;
    if (sig === 0) return 0;
    for (const p of targets) x.k.signal(p, { signo: sig, code: SI_USER, pid: x.p.pid, uid: 1000 });
    return 0;
  },
};

function threadKill(x: Sys, tid: number, sig: number, tgid?: number): number {
  if (sig < 0 || sig > NSIG) return -E.INVAL;
  for (const p of x.k.procs.values()) {
    if (tgid !== undefined && p.pid !== tgid) continue;
    const t = p.threads.find((th) => th.tid === tid && th.state !== 'dead');
    if (!t) continue;
    if (sig) x.k.signal(t, { signo: sig, code: SI_TKILL, pid: x.p.pid, uid: 1000 });
    return 0;
  }
  return -E.SRCH;
}
export const tkill: Syscall = { nr: 200, name: 'tkill', handler: (x, [tid, sig]) => threadKill(x, int(tid), int(sig)) };
export const tgkill: Syscall = { nr: 234, name: 'tgkill', handler: (x, [tgid, tid, sig]) => threadKill(x, int(tid), int(sig), int(tgid)) };
