// ptrace: a tracer (usually the parent, after PTRACE_TRACEME) stops, inspects and resumes a
// thread — signal-delivery and syscall stops, registers, memory — enough for debuggers' basics
// and the kernel selftests that trace syscalls. Single-stepping and debug registers are not offered.
import { E } from '../errno.js';
import { type Trace, USER_REGS_SIZE, getRegs, setRegs, withRegs } from '../proc/ptrace.js';
import type { Thread } from '../proc/process.js';
import { fxsaveImage, siginfoBytes } from '../signal/frame.js';
import { NSIG, SIG, SI_USER } from '../signal/signals.js';
import { type Sys, type Syscall, int } from './context.js';

const REQ = {
  TRACEME: 0, PEEKTEXT: 1, PEEKDATA: 2, PEEKUSER: 3, POKETEXT: 4, POKEDATA: 5, POKEUSER: 6, CONT: 7, KILL: 8,
  GETREGS: 12, SETREGS: 13, GETFPREGS: 14, ATTACH: 16, DETACH: 17, SYSCALL: 24, SETOPTIONS: 0x4200, GETSIGINFO: 0x4202,
} as const;

const newTrace = (tracer: Trace['tracer']): Trace => ({ tracer, mode: 'cont', options: 0, stop: undefined, inject: undefined, entered: false, atExit: false, origRax: 0n });

/** The tracee `tid` of the caller, which must be stopped for most requests. */
function tracee(x: Sys, tid: number, stopped = true): Thread | number {
  for (const p of x.k.procs.values()) {
    const t = p.threads.find((th) => th.tid === tid && th.state !== 'dead');
    if (!t) continue;
    if (t.trace?.tracer !== x.p || (stopped && !t.trace.stop)) return -E.SRCH;
    return t;
  }
  return -E.SRCH;
}

/** Physical access to the tracee's memory: a tracer may read and write even read-only pages. */
function peekPoke(x: Sys, t: Thread, addr: number, value?: bigint): bigint | number {
  const mm = t.proc.mm;
  const mem = x.k.node.memory;
  const bytes = new Uint8Array(8);
  for (let i = 0; i < 8; i++) {
    const v = mm.find(addr + i);
    if (!v) return -E.IO;
    const pa = v.backing.region.start + v.off + (addr + i - v.va);
    if (value === undefined) bytes[i] = mem.u8[pa];
    else mem.write(pa, new Uint8Array([Number((value >> BigInt(8 * i)) & 0xffn)]));
  }
  return new DataView(bytes.buffer).getBigUint64(0, true);
}

function resume(x: Sys, t: Thread, mode: Trace['mode'], sig: number): number {
  if (sig < 0 || sig > NSIG) return -E.IO;
  const tr = t.trace!;
  tr.mode = mode;
  tr.atExit = false;
  if (sig) tr.inject = { ...(tr.stop?.info ?? { code: SI_USER, pid: x.p.pid, uid: 1000 }), signo: sig };
  tr.stop = undefined;
  return 0;
}

export const ptrace: Syscall = {
  nr: 101, name: 'ptrace',
  handler(x, [reqArg, pidArg, addr, data]) {
    const req = int(reqArg), pid = int(pidArg);
    if (req === REQ.TRACEME) {
      const parent = x.p.parent;
      if (x.t.trace || !parent || parent.state !== 'live') return -E.PERM;
      x.t.trace = newTrace(parent);
      return 0;
    }
    if (req === REQ.ATTACH) {
      const p = x.k.procs.get(pid);
      const t = p?.threads.find((th) => th.tid === pid && th.state !== 'dead');
      if (!p || !t) return -E.SRCH;
      if (p === x.p || t.trace) return -E.PERM;
      t.trace = newTrace(x.p);
      x.k.signal(t, { signo: SIG.STOP, code: SI_USER, pid: x.p.pid, uid: 1000 });
      return 0;
    }
    const t = tracee(x, pid, req !== REQ.KILL);
    if (typeof t === 'number') return t;
    const tr = t.trace!;
    switch (req) {
      case REQ.PEEKTEXT: case REQ.PEEKDATA: {
        const v = peekPoke(x, t, addr);
        if (typeof v === 'number') return v;
        return x.putU64(data, v) ? 0 : -E.FAULT;
      }
      case REQ.POKETEXT: case REQ.POKEDATA: {
        const v = peekPoke(x, t, addr, BigInt.asUintN(64, BigInt(data)));
        return typeof v === 'number' ? v : 0;
      }
      case REQ.PEEKUSER: {
        if (addr % 8) return -E.IO;
        if (addr < USER_REGS_SIZE) return x.putU64(data, new DataView(getRegs(t).buffer).getBigUint64(addr, true)) ? 0 : -E.FAULT;
        return addr < 1024 ? (x.putU64(data, 0) ? 0 : -E.FAULT) : -E.IO;
      }
      case REQ.POKEUSER: {
        if (addr % 8 || addr >= USER_REGS_SIZE) return -E.IO;
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(data)), true);
        setRegs(t, b, addr / 8);
        return 0;
      }
      case REQ.GETREGS: return x.write(data, getRegs(t)) ? 0 : -E.FAULT;
      case REQ.SETREGS: {
        const b = x.read(data, USER_REGS_SIZE);
        if (!b) return -E.FAULT;
        setRegs(t, b);
        return 0;
      }
      case REQ.GETFPREGS: return x.write(data, withRegs(t, (s) => fxsaveImage(s))) ? 0 : -E.FAULT;
      case REQ.GETSIGINFO: {
        const st = tr.stop!;
        return x.write(data, siginfoBytes(st.info ?? { signo: st.sig & 0x7f, code: st.sig & 0x80 ? 0x85 : SI_USER })) ? 0 : -E.FAULT;
      }
      case REQ.SETOPTIONS: tr.options = data; return 0;
      case REQ.CONT: return resume(x, t, 'cont', int(data));
      case REQ.SYSCALL: return resume(x, t, 'syscall', int(data));
      case REQ.DETACH: {
        const sig = int(data);
        if (sig < 0 || sig > NSIG) return -E.IO;
        // Stopped at a syscall's entry: the call goes on with the number the tracer left.
        if (tr.entered) withRegs(t, (s) => s.set64(0, tr.origRax));
        t.trace = undefined;
        if (sig) t.pending.unshift({ ...(tr.stop?.info ?? { code: SI_USER, pid: x.p.pid, uid: 1000 }), signo: sig });
        return 0;
      }
      case REQ.KILL: x.k.killProcess(t.proc, { kind: 'killed', signal: SIG.KILL, core: false, reason: '' }); return 0;
      default: return -E.IO;
    }
  },
};
