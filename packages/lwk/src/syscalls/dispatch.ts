// From a SYSCALL exit to a syscall implementation and back: arguments from the registers, the
// result into RAX (RCX and R11 as SYSRET leaves them), blocking and re-execution.
import type { Lwk } from '../kernel.js';
import type { Thread } from '../proc/process.js';
import { E } from '../errno.js';
import { BLOCK, NORETURN, Sys } from './context.js';
import { SYSCALLS } from './table.js';

export { BLOCK };

export function dispatchSyscall(k: Lwk, t: Thread): void {
  const s = t.sched.core.cpu.state;
  const nr = s.get64(0);
  const sc = SYSCALLS.get(nr);
  let ret: number | typeof BLOCK | typeof NORETURN;
  if (!sc) {
    const key = `syscall ${nr}`;
    if (!k.reported.has(key)) { k.reported.add(key); k.log(`${t.proc.name}: unimplemented syscall ${nr} returns -ENOSYS`); }
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
