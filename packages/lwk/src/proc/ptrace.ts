// ptrace's state on a traced thread and the stops it makes: a signal-delivery stop when a signal
// is about to reach it, and syscall entry/exit stops under PTRACE_SYSCALL. A stopped thread waits
// until its tracer resumes it (or goes away); the tracer learns of each stop through wait4.
import { CpuState } from '@serval/x86';
import type { SigInfo } from '../signal/signals.js';
import type { Process, Thread } from './process.js';

export interface Trace {
  tracer: Process;
  /** How the thread was last resumed: PTRACE_SYSCALL adds syscall stops. */
  mode: 'cont' | 'syscall';
  options: number;
  /** The stop the thread is in: the signal number wait4 reports, and whether it has. */
  stop: { sig: number; reported: boolean; info?: SigInfo } | undefined;
  /** A signal the tracer asked to deliver when it resumed a signal-delivery stop. */
  inject: SigInfo | undefined;
  /** Between a syscall's entry stop and its completion: the number as the tracer left it. */
  entered: boolean;
  /** In a syscall-exit stop (orig_rax still names the call). */
  atExit: boolean;
  origRax: bigint;
}

export const PTRACE_O_TRACESYSGOOD = 1;

/** Stops `t` (already inside the kernel) until its tracer resumes it. */
export function traceStop(t: Thread, sig: number, info?: SigInfo): void {
  const tr = t.trace!;
  tr.stop = { sig, reported: false, info };
  t.state = 'blocked';
  t.wait = {
    what: `ptrace stop (signal ${sig})`,
    interruptible: false,
    ready: () => {
      if (!t.trace) return true;
      // A tracer that ended leaves its tracees running, as a detach would.
      if (t.trace.tracer.state !== 'live') { t.trace = undefined; return true; }
      return t.trace.stop === undefined;
    },
  };
}

/** The stop `t` is in that its tracer `p` has not yet collected with wait4. */
export function unreportedStop(t: Thread, p: Process): boolean {
  return t.state !== 'dead' && t.trace?.tracer === p && t.trace.stop !== undefined && !t.trace.stop.reported;
}

const scratch = new CpuState();

/** Runs `fn` on the registers of a stopped thread, wherever they are kept right now. */
export function withRegs<T>(t: Thread, fn: (s: CpuState) => T): T {
  if (t.sched.loaded === t) return fn(t.sched.core.cpu.state);
  t.ctx.load(scratch);
  const r = fn(scratch);
  t.ctx.save(scratch);
  return r;
}

/** struct user_regs_struct, slot by slot: a general register index, or a named field. */
const SLOTS: (number | 'orig' | 'rip' | 'cs' | 'flags' | 'ss' | 'fsbase' | 'gsbase' | 'ds' | 'es' | 'fs' | 'gs')[] = [
  15, 14, 13, 12, 5, 3, 11, 10, 9, 8, 0, 1, 2, 6, 7, 'orig', 'rip', 'cs', 'flags', 4, 'ss', 'fsbase', 'gsbase',
  'ds', 'es', 'fs', 'gs',
];
const SELECTOR = { es: 0, cs: 1, ss: 2, ds: 3, fs: 4, gs: 5 } as const;
export const USER_REGS_SIZE = SLOTS.length * 8;
const FS = 4, GS = 5;

export function getRegs(t: Thread): Uint8Array {
  const b = new Uint8Array(USER_REGS_SIZE);
  const dv = new DataView(b.buffer);
  const orig = t.trace?.entered || t.trace?.atExit ? t.trace.origRax : 0xffffffffffffffffn;
  withRegs(t, (s) => SLOTS.forEach((f, i) => {
    const v = typeof f === 'number' ? s.getBig(f)
      : f === 'orig' ? orig : f === 'rip' ? BigInt.asUintN(64, BigInt(s.rip))
      : f === 'flags' ? BigInt(s.getRflags())
      : f === 'fsbase' ? BigInt(s.segBase[FS]) : f === 'gsbase' ? BigInt(s.segBase[GS]) : BigInt(s.segSel[SELECTOR[f]]);
    dv.setBigUint64(i * 8, v, true);
  }));
  return b;
}

/** Writes registers back (PTRACE_SETREGS/POKEUSER); segment selectors are not changeable here. */
export function setRegs(t: Thread, b: Uint8Array, only?: number): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  withRegs(t, (s) => SLOTS.forEach((f, i) => {
    if (only !== undefined && i !== only) return;
    const v = dv.getBigUint64((only !== undefined ? 0 : i) * 8, true);
    if (typeof f === 'number') s.set64(f, v);
    else if (f === 'orig') { if (t.trace) t.trace.origRax = v; }
    else if (f === 'rip') s.rip = Number(BigInt.asIntN(64, v));
    else if (f === 'flags') s.setRflags((s.getRflags() & ~0x2c0fd5) | (Number(v & 0xffffffffn) & 0x2c0fd5));
    else if (f === 'fsbase') s.segBase[FS] = Number(v);
    else if (f === 'gsbase') s.segBase[GS] = Number(v);
  }));
}
