// Signals with a payload and waiting for one: rt_sigqueueinfo, rt_tgsigqueueinfo, rt_sigtimedwait.
import { E } from '../errno.js';
import { NSIG, SI_TKILL, type SigInfo, UNBLOCKABLE, bit } from '../signal/signals.js';
import { type Sys, type Syscall, int } from './context.js';
import { siginfoBytes } from '../signal/frame.js';

function queueInfo(x: Sys, pid: number, sig: number, infoVa: number, tid?: number): number {
  if (sig < 1 || sig > NSIG) return -E.INVAL;
  const raw = x.read(infoVa, 128);
  if (!raw) return -E.FAULT;
  const code = new DataView(raw.buffer).getInt32(8, true);
  // Only the kernel may claim kernel or kill() origins when signalling another process.
  if (pid !== x.p.pid && (code >= 0 || code === SI_TKILL)) return -E.PERM;
  const p = x.k.procs.get(pid);
  if (!p || p.state !== 'live') return -E.SRCH;
  const info: SigInfo = { signo: sig, code, raw: raw.slice() };
  if (tid === undefined) { x.k.signal(p, info); return 0; }
  const t = p.threads.find((th) => th.tid === tid && th.state !== 'dead');
  if (!t) return -E.SRCH;
  x.k.signal(t, info);
  return 0;
}

export const rtSigqueueinfo: Syscall = { nr: 129, name: 'rt_sigqueueinfo', handler: (x, [pid, sig, info]) => queueInfo(x, int(pid), int(sig), info) };
export const rtTgsigqueueinfo: Syscall = {
  nr: 297, name: 'rt_tgsigqueueinfo',
  handler: (x, [tgid, tid, sig, info]) => queueInfo(x, int(tgid), int(sig), info, int(tid)),
};

export const rtSigtimedwait: Syscall = {
  nr: 128, name: 'rt_sigtimedwait',
  handler(x, [setVa, infoVa, timeoutVa, size]) {
    if (size !== 8) return -E.INVAL;
    const b = x.read(setVa, 8);
    if (!b) return -E.FAULT;
    const set = new DataView(b.buffer).getBigUint64(0, true) & ~UNBLOCKABLE;
    const t = x.t;
    for (const q of [t.pending, t.proc.pending]) {
      const i = q.findIndex((s) => (set & bit(s.signo)) !== 0n);
      if (i < 0) continue;
      const info = q.splice(i, 1)[0];
      t.timedOut = false;
      t.sleepUntil = undefined;
      if (infoVa && !x.write(infoVa, siginfoBytes(info))) return -E.FAULT;
      return info.signo;
    }
    if (t.timedOut) { t.timedOut = false; t.sleepUntil = undefined; return -E.AGAIN; }
    if (timeoutVa && t.sleepUntil === undefined) {
      const sec = x.u64(timeoutVa), nsec = x.u64(timeoutVa + 8);
      if (sec === undefined || nsec === undefined) return -E.FAULT;
      if (sec >= 2 ** 62 || nsec >= 1e9) return -E.INVAL;
      if (sec === 0 && nsec === 0) return -E.AGAIN;
      t.sleepUntil = x.now() + sec * 1e9 + nsec;
    }
    t.noRestart = true;
    const pending = () => [...t.pending, ...t.proc.pending].some((s) => (set & bit(s.signo)) !== 0n);
    return x.block({ what: 'sigtimedwait', ready: pending, deadline: t.sleepUntil, interruptible: true });
  },
};
