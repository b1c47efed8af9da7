// The Linux x86-64 syscall table of the LWK, and the LWK-native calls (native/, numbered from
// 0x4c570000). Anything not here returns -ENOSYS and is reported once.
import { NATIVE_CALLS } from '../native/calls.js';
import * as attr from './attr.js';
import type { Syscall } from './context.js';
import * as dir from './dir.js';
import * as fd from './fd.js';
import { futex } from './futex.js';
import { modifyLdt } from './ldt.js';
import * as mem from './mem.js';
import * as misc from './misc.js';
import * as open from './open.js';
import * as poll from './poll.js';
import * as proc from './proc.js';
import { ptrace } from './ptrace.js';
import * as rw from './rw.js';
import * as signal from './signal.js';
import * as sigqueue from './sigqueue.js';
import * as stat from './stat.js';
import * as time from './time.js';
import * as timer from './timer.js';

const isSyscall = (v: unknown): v is Syscall => typeof v === 'object' && v !== null && 'nr' in v && 'handler' in v;

const all: Syscall[] = [attr, dir, fd, mem, misc, open, poll, proc, rw, signal, sigqueue, stat, time, timer]
  .flatMap((m) => Object.values(m).filter(isSyscall))
  .concat([futex, ptrace, modifyLdt], NATIVE_CALLS);

export const SYSCALLS: ReadonlyMap<number, Syscall> = (() => {
  const m = new Map<number, Syscall>();
  for (const s of all) {
    if (m.has(s.nr)) throw new Error(`syscall ${s.nr} is defined twice (${m.get(s.nr)!.name}, ${s.name})`);
    m.set(s.nr, s);
  }
  return m;
})();
