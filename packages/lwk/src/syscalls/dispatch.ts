// From a SYSCALL exit to a syscall implementation and back: arguments from the registers, the
// result into RAX (RCX and R11 as SYSRET leaves them), blocking and re-execution.
import type { Lwk } from '../kernel.js';
import type { Thread } from '../proc/process.js';
import { E } from '../errno.js';
import { BLOCK, NORETURN, Sys } from './context.js';
import { SYSCALLS } from './table.js';

export { BLOCK };

const REPORT_LIMIT = 16;

export function dispatchSyscall(k: Lwk, t: Thread): void {
  const s = t.sched.core.cpu.state;
  // Linux reads the number as a 32-bit int: the upper half of RAX is ignored.
  const nr = s.get32(0);
  const sc = SYSCALLS.get(nr);
  let ret: number | typeof BLOCK | typeof NORETURN;
  if (!sc) {
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
  if (ret === NORETURN) return;
  if (ret === BLOCK) {
    // Back onto the SYSCALL: the thread re-executes it when it can make progress.
    s.rip -= 2;
    return;
  }
  s.set64(0, ret);
  s.set64(1, s.rip);
  s.set64(11, s.getRflags());
}
