// Signal delivery: queueing (to a process or one thread), the choice of a thread, default actions,
// building the handler's frame on the user stack (or the alternate stack), and rt_sigreturn.
import type { Lwk } from '../kernel.js';
import type { Process, Thread } from '../proc/process.js';
import { traceStop } from '../proc/ptrace.js';
import { FPSTATE_SIZE, FRAME_SIZE, INFO_OFF, UC_OFF, buildFrame, fxrstorImage, fxsaveImage, restoreFrame } from './frame.js';
import { enterHandler, returnTo } from './segments.js';
import { SA, SIG, type SigInfo, UNBLOCKABLE, bit, defaultAction } from './signals.js';

export function queueSignal(k: Lwk, target: Process | Thread, info: SigInfo): void {
  const p = 'proc' in target ? target.proc : target;
  if (p.state !== 'live') return;
  const act = p.actions[info.signo];
  // Ignored signals are discarded at generation (except those that cannot be ignored).
  const ignored = act.handler === 1 || (act.handler === 0 && defaultAction(info.signo) === 'ign');
  if (ignored && info.signo !== SIG.KILL && info.signo !== SIG.STOP) return;
  if (info.signo === SIG.KILL) {
    k.killProcess(p, { kind: 'killed', signal: SIG.KILL, core: false, reason: '' });
    return;
  }
  const queue = 'proc' in target ? target.pending : p.pending;
  // Standard signals do not queue: one pending instance each.
  if (info.signo < 32 && queue.some((q) => q.signo === info.signo)) return;
  queue.push(info);
  // Wake a thread that can take it, interrupting an interruptible wait.
  const threads = 'proc' in target ? [target] : p.liveThreads();
  for (const t of threads) {
    if ((t.sigmask & bit(info.signo)) !== 0n) continue;
    if (t.state === 'blocked' && t.wait?.interruptible) interrupt(t, act.flags);
    break;
  }
}

/** A signal arrived for a thread blocked in a syscall: the call returns -EINTR, or restarts (SA_RESTART). */
function interrupt(t: Thread, flags: number): void {
  t.state = 'runnable';
  t.wait = undefined;
  t.sleepUntil = undefined;
  const s = t.sched.loaded === t ? t.sched.core.cpu.state : undefined;
  const restart = (flags & SA.RESTART) !== 0 && !t.noRestart;
  t.noRestart = false;
  if (restart) return; // RIP still points at the SYSCALL: it runs again after the handler
  if (t.trace) t.trace.entered = false;
  if (s) { s.rip += 2; s.set64(0, -4); } else { t.ctx.rip += 2; t.ctx.set(0, -4); }
}

/**
 * A blocked thread whose wait a signal should end although none arrived during it: sigsuspend
 * (or ppoll/pselect) unblocked a signal that was already pending. Returns whether it was ended.
 */
export function interruptIfPending(t: Thread): boolean {
  if (t.state !== 'blocked' || !t.wait?.interruptible) return false;
  for (const q of [t.pending, t.proc.pending]) {
    const info = q.find((x) => (t.sigmask & bit(x.signo)) === 0n);
    if (info) { interrupt(t, t.proc.actions[info.signo].flags); return true; }
  }
  return false;
}

function take(t: Thread): SigInfo | undefined {
  for (const q of [t.pending, t.proc.pending]) {
    const i = q.findIndex((x) => (t.sigmask & bit(x.signo)) === 0n || (bit(x.signo) & UNBLOCKABLE) !== 0n);
    if (i >= 0) return q.splice(i, 1)[0];
  }
  return undefined;
}

/** Delivers what is pending for `t` before it returns to user mode. */
export function deliverPending(k: Lwk, t: Thread): void {
  for (let guard = 0; guard < 64 && t.state === 'runnable'; guard++) {
    const tr = t.trace;
    let info = tr?.inject;
    if (tr && info) tr.inject = undefined;
    else {
      info = take(t);
      if (!info) return;
      // A traced thread stops instead; its tracer decides what is delivered (PTRACE_CONT's data).
      if (tr && info.signo !== SIG.KILL) { traceStop(t, info.signo, info); return; }
    }
    const p = t.proc;
    const act = p.actions[info.signo];
    if (act.handler === 1) continue;
    if (act.handler === 0) {
      const d = defaultAction(info.signo);
      if (d === 'ign' || d === 'stop' || d === 'cont') continue;
      k.killProcess(p, { kind: 'killed', signal: info.signo, core: d === 'core', reason: t.faultFrame ? `fault at rip 0x${t.sched.core.cpu.state.rip.toString(16)}` : '' });
      return;
    }
    if (!setupFrame(k, t, info)) {
      k.killProcess(p, { kind: 'killed', signal: SIG.SEGV, core: true, reason: 'cannot write a signal frame' });
      return;
    }
  }
}

function onAltStack(t: Thread, sp: number): boolean {
  const a = t.altStack;
  return a.size > 0 && sp > a.sp && sp <= a.sp + a.size;
}

function setupFrame(k: Lwk, t: Thread, info: SigInfo): boolean {
  const p = t.proc;
  const act = p.actions[info.signo];
  const s = t.sched.core.cpu.state;
  const oldSp = s.get64(4);
  let sp = oldSp;
  if ((act.flags & SA.ONSTACK) && t.altStack.flags === 0 && !onAltStack(t, sp)) sp = t.altStack.sp + t.altStack.size;
  else sp -= 128; // the red zone
  const fpVa = Math.floor((sp - FPSTATE_SIZE) / 64) * 64;
  const frameVa = Math.floor((fpVa - FRAME_SIZE) / 16) * 16 - 8;
  const ff = t.faultFrame ?? { trapno: 0, err: 0, cr2: 0 };
  t.faultFrame = undefined;
  const mask = t.savedMask ?? t.sigmask;
  t.savedMask = undefined;
  const stackFlags = t.altStack.flags === 0 ? (onAltStack(t, oldSp) ? 1 : 0) : t.altStack.flags;
  const segs = enterHandler(s, k.gdt, p.mm);
  const frame = buildFrame({
    s, info, mask, restorer: act.restorer, altStack: { ...t.altStack, flags: stackFlags },
    trapno: ff.trapno, err: ff.err, cr2: ff.cr2, ...segs,
  }, frameVa, fpVa);
  if (!p.mm.write(frameVa, frame) || !p.mm.write(fpVa, fxsaveImage(s))) return false;
  s.set64(4, frameVa);
  s.rip = act.handler;
  s.set64(7, info.signo);
  s.set64(6, frameVa + INFO_OFF);
  s.set64(2, frameVa + UC_OFF);
  s.set64(0, 0);
  // The handler starts with DF clear and the x87/SSE state reset to its defaults.
  s.setRflags(s.getRflags() & ~0x400 & ~0x100);
  s.mxcsr = 0x1f80;
  s.fpuControl = 0x037f; s.fpuStatus = 0; s.fpuTop = 0; s.fpuTag = 0xffff;
  t.sigmask |= act.mask;
  if (!(act.flags & SA.NODEFER)) t.sigmask |= bit(info.signo);
  t.sigmask &= ~UNBLOCKABLE;
  if (act.flags & SA.RESETHAND) { act.handler = 0; act.flags = 0; }
  return true;
}

/** rt_sigreturn: the handler returned through its restorer; RSP points just past pretcode. */
export function sigreturn(k: Lwk, t: Thread): boolean {
  const s = t.sched.core.cpu.state;
  const frameVa = s.get64(4) - 8;
  const bytes = t.proc.mm.read(frameVa, FRAME_SIZE);
  if (!bytes) return false;
  const { mask, fpVa, cs, ss, ucFlags } = restoreFrame(s, bytes);
  if (fpVa) {
    const fp = t.proc.mm.read(fpVa, FPSTATE_SIZE);
    if (!fp) return false;
    fxrstorImage(s, fp);
  }
  t.sigmask = mask & ~UNBLOCKABLE;
  const dv = new DataView(bytes.buffer);
  const ssSp = Number(dv.getBigUint64(UC_OFF + 16, true)), ssFlags = dv.getInt32(UC_OFF + 24, true), ssSize = Number(dv.getBigUint64(UC_OFF + 32, true));
  // uc_stack lets a handler change the alternate stack on return, as Linux allows.
  if (!(ssFlags & 1)) t.altStack = { sp: ssSp, size: ssSize, flags: ssFlags & 2 };
  // The return itself (IRET on Linux) may fault on the frame's CS or SS: a signal at the target.
  const bad = returnTo(s, k.gdt, t.proc.mm, cs, ss, ucFlags);
  if (bad) k.fault(t, { kind: 'exception', rip: s.rip, vector: bad.vector, errorCode: bad.err, cr2: 0 });
  return true;
}
