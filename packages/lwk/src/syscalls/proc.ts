// Processes: clone (threads, fork, vfork), fork, vfork, execve, exit, exit_group, wait4, waitid.
import { E } from '../errno.js';
import { NORETURN, type Sys, type Syscall, int, strings } from './context.js';
import type { Process, Thread } from '../proc/process.js';
import { unreportedStop } from '../proc/ptrace.js';

const CLONE = { VM: 0x100, FS: 0x200, FILES: 0x400, SIGHAND: 0x800, VFORK: 0x4000, PARENT: 0x8000, THREAD: 0x10000, SETTLS: 0x80000, PARENT_SETTID: 0x100000, CHILD_CLEARTID: 0x200000, CHILD_SETTID: 0x1000000 } as const;

function vforkWait(x: Sys, childPid: number): number | typeof NORETURN {
  // The parent sleeps until the child has left its memory (exec or exit); it then returns the pid.
  const p = x.p;
  x.s.set64(0, childPid);
  x.s.set64(1, x.s.rip);
  x.block({ what: `vfork child ${childPid}`, ready: () => p.vforkChild === undefined, interruptible: false });
  return NORETURN;
}

function doClone(x: Sys, flags: number, stack: number, ptid: number, ctid: number, tls: number): number | typeof NORETURN {
  const thread = (flags & CLONE.THREAD) !== 0;
  if (thread && (!(flags & CLONE.VM) || !(flags & CLONE.SIGHAND))) return -E.INVAL;
  if (!thread && (flags & CLONE.VM) && !(flags & CLONE.VFORK)) return -E.NOSYS; // shared-memory processes without vfork
  const id = x.k.clone(x.t, {
    thread, vm: (flags & CLONE.VM) !== 0, vfork: (flags & CLONE.VFORK) !== 0, stack,
    tls: flags & CLONE.SETTLS ? tls : undefined, clearTid: flags & CLONE.CHILD_CLEARTID ? ctid : undefined,
  });
  if (flags & CLONE.PARENT_SETTID) x.putU32(ptid, id);
  if (flags & CLONE.CHILD_SETTID) {
    const child = x.k.procs.get(id);
    (child ?? x.p).mm.writeU32(ctid, id);
  }
  if (flags & CLONE.VFORK) return vforkWait(x, id);
  return id;
}

export const clone: Syscall = { nr: 56, name: 'clone', handler: (x, [flags, stack, ptid, ctid, tls]) => doClone(x, int(flags), stack, ptid, ctid, tls) };
export const fork: Syscall = { nr: 57, name: 'fork', handler: (x) => doClone(x, 17, 0, 0, 0, 0) };
export const vfork: Syscall = { nr: 58, name: 'vfork', handler: (x) => doClone(x, CLONE.VM | CLONE.VFORK | 17, 0, 0, 0, 0) };
/** clone3 is declined, so libc falls back to clone. */
export const clone3: Syscall = { nr: 435, name: 'clone3', handler: () => -E.NOSYS };

export const execve: Syscall = {
  nr: 59, name: 'execve',
  handler(x, [pathPtr, argvPtr, envpPtr]) {
    const path = x.str(pathPtr, 4096);
    if (path === undefined) return -E.FAULT;
    const argv = strings(x, argvPtr), envp = strings(x, envpPtr);
    if (!argv || !envp) return -E.FAULT;
    const r = x.k.exec(x.t, path, argv, envp);
    return r < 0 ? r : NORETURN;
  },
};

export const exit: Syscall = { nr: 60, name: 'exit', handler(x, [code]) { x.k.exitThread(x.t, code & 0xff); return NORETURN; } };
export const exitGroup: Syscall = {
  nr: 231, name: 'exit_group',
  handler(x, [code]) { x.k.killProcess(x.p, { kind: 'exited', code: code & 0xff }); return NORETURN; },
};

function matches(c: Process, pid: number, self: Process): boolean {
  if (pid === -1) return true;
  if (pid > 0) return c.pid === pid;
  if (pid === 0) return c.pgid === self.pgid;
  return c.pgid === -pid;
}

const WNOHANG = 1;

/** A tracee of the caller's matching `pid` in a ptrace stop not yet reported. */
function stoppedTracee(x: Sys, pid: number): Thread | undefined {
  for (const q of x.k.procs.values()) {
    for (const t of q.threads) if (unreportedStop(t, x.p) && (t.tid === pid || matches(q, pid, x.p))) return t;
  }
  return undefined;
}

const hasTracees = (x: Sys): boolean => [...x.k.procs.values()].some((q) => q.threads.some((t) => t.state !== 'dead' && t.trace?.tracer === x.p));

export const wait4: Syscall = {
  nr: 61, name: 'wait4',
  handler(x, [pidArg, status, options]) {
    const pid = int(pidArg);
    const p = x.p;
    const cands = p.children.filter((c) => matches(c, pid, p));
    if (!cands.length && !hasTracees(x)) return -E.CHILD;
    const stopped = stoppedTracee(x, pid);
    if (stopped) {
      // A ptrace stop: WIFSTOPPED, with the stop's signal (SIGTRAP|0x80 for a syscall stop).
      stopped.trace!.stop!.reported = true;
      if (status && !x.putU32(status, ((stopped.trace!.stop!.sig & 0xff) << 8) | 0x7f)) return -E.FAULT;
      return stopped.tid;
    }
    const z = cands.find((c) => c.state === 'zombie');
    if (!z) {
      if (options & WNOHANG) return 0;
      const ready = () => p.children.some((c) => matches(c, pid, p) && c.state === 'zombie') || stoppedTracee(x, pid) !== undefined;
      return x.block({ what: `wait4(${pid})`, ready, interruptible: true });
    }
    if (status && !x.putU32(status, z.waitStatus)) return -E.FAULT;
    x.k.reap(p, z);
    return z.pid;
  },
};

export const waitid: Syscall = {
  nr: 247, name: 'waitid',
  handler(x, [idtype, id, infop, options]) {
    const pid = idtype === 0 ? -1 : idtype === 1 ? int(id) : idtype === 2 ? -int(id) : NaN;
    if (Number.isNaN(pid)) return -E.INVAL;
    const p = x.p;
    const cands = p.children.filter((c) => matches(c, pid, p));
    if (!cands.length) return -E.CHILD;
    const z = cands.find((c) => c.state === 'zombie');
    if (!z) {
      if (options & WNOHANG) return 0;
      return x.block({ what: 'waitid', ready: () => p.children.some((c) => matches(c, pid, p) && c.state === 'zombie'), interruptible: true });
    }
    if (infop) {
      const b = new Uint8Array(128);
      const dv = new DataView(b.buffer);
      const st = z.status!;
      dv.setInt32(0, 17, true);
      dv.setInt32(8, st.kind === 'exited' ? 1 : 2, true);
      dv.setInt32(16, z.pid, true);
      dv.setInt32(20, 1000, true);
      dv.setInt32(24, st.kind === 'exited' ? st.code : st.signal, true);
      if (!x.write(infop, b)) return -E.FAULT;
    }
    if (!(options & 0x01000000)) x.k.reap(p, z); // WNOWAIT keeps the zombie
    return 0;
  },
};
