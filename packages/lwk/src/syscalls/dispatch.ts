// From a SYSCALL exit to a syscall implementation and back: arguments from the registers, the
// result into RAX (RCX and R11 as SYSRET leaves them), blocking and re-execution.
import type { Lwk } from '../kernel.js';
import type { Thread } from '../proc/process.js';
import { E } from '../errno.js';
import { BLOCK, NORETURN, Sys } from './context.js';
import { SYSCALLS } from './table.js';
import { PTRACE_O_TRACESYSGOOD, traceStop } from '../proc/ptrace.js';
import { SIG } from '../signal/signals.js';

export { BLOCK };

const REPORT_LIMIT = 16;

export function dispatchSyscall(k: Lwk, t: Thread): void {
  const s = t.sched.core.cpu.state;
  const tr = t.trace;
  if (tr?.mode === 'syscall' && !tr.entered) {
    // Syscall-entry stop: RAX reads -ENOSYS and orig_rax the number, as on Linux; the SYSCALL
    // runs again once the tracer resumes the thread, with the number the tracer left.
    tr.entered = true;
    tr.origRax = s.getBig(0);
    s.set64(0, -E.NOSYS);
    s.rip -= 2;
    traceStop(t, SIG.TRAP | (tr.options & PTRACE_O_TRACESYSGOOD ? 0x80 : 0));
    return;
  }
  // Linux reads the number as a 32-bit int: the upper half of RAX is ignored.
  const nr = tr?.entered ? Number(tr.origRax & 0xffffffffn) : s.get32(0);
  const sc = SYSCALLS.get(nr);
  let ret: number | bigint | typeof BLOCK | typeof NORETURN;
  if (tr?.entered && nr === 0xffffffff) {
    ret = s.getBig(0); // a tracer skipped the call (number -1): RAX stays as it set it
  } else if (!sc) {
    const key = `syscall ${nr}`;
    // Each number once, and only the first few: probing programs try thousands.
    if (!k.reported.has(key) && k.reported.size <= REPORT_LIMIT) {
      k.reported.add(key);
      k.log(k.reported.size > REPORT_LIMIT
        ? `${t.proc.name}: more unimplemented syscalls return -ENOSYS (not reported)`
        : `${t.proc.name}: unimplemented syscall ${nr} returns -ENOSYS`);
    }
    ret = -E.NOSYS;
  } else {
    ret = sc.handler(new Sys(k, t), [s.get64(7), s.get64(6), s.get64(2), s.get64(10), s.get64(8), s.get64(9)]);
  }
  if (ret === NORETURN) {
    if (t.trace) t.trace.entered = false;
    return;
  }
  if (ret === BLOCK) {
    // Back onto the SYSCALL: the thread re-executes it when it can make progress.
    s.rip -= 2;
    return;
  }
  s.set64(0, ret);
  s.set64(1, s.rip);
  s.set64(11, s.getRflags());
  const after = t.trace;
  if (after?.entered) {
    after.entered = false;
    if (after.mode === 'syscall' && t.state === 'runnable') {
      after.atExit = true; // the syscall-exit stop: RAX holds the result, orig_rax the number
      traceStop(t, SIG.TRAP | (after.options & PTRACE_O_TRACESYSGOOD ? 0x80 : 0));
    }
  }
}
