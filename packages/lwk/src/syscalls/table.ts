// The Linux x86-64 syscall table of the LWK. Anything not here returns -ENOSYS and is reported once.
import type { Syscall } from './context.js';
import { archPrctl } from './arch-prctl.js';
import { brk } from './brk.js';
import { exit, exitGroup } from './exit.js';
import * as id from './identity.js';
import { ioctl } from './ioctl.js';
import { read } from './read.js';
import * as thread from './thread.js';
import * as time from './time.js';
import { write, writev } from './write.js';

const all: Syscall[] = [
  read, write, writev, exit, exitGroup, brk, archPrctl, ioctl,
  id.getpid, id.gettid, id.getppid, id.getuid, id.geteuid, id.getgid, id.getegid, id.uname,
  thread.setTidAddress, thread.setRobustList, thread.rseq,
  time.clockGettime, time.gettimeofday,
];

export const SYSCALLS: ReadonlyMap<number, Syscall> = new Map(all.map((s) => [s.nr, s]));
