// Processes and threads, Linux's way: a thread group shares the address space, descriptors, cwd
// and signal handlers; each thread has its own registers, signal mask and wait state.
import type { Mm } from '../mm/mm.js';
import type { FdTable } from '../fs/file.js';
import { type SigAction, type SigInfo, NSIG } from '../signal/signals.js';
import { Context } from './context.js';
import type { Reservation } from '../sched/edf.js';
import type { Trace } from './ptrace.js';
import type { CoreSched } from './sched.js';

/** Why a thread is not runnable, and how to tell when it can go on. */
export interface Wait {
  what: string;
  ready(): boolean;
  /** Virtual time (ns) at which the wait ends by itself, if any. */
  deadline?: number;
  /** A signal may interrupt the wait (the call then returns -EINTR). */
  interruptible: boolean;
}

export class Thread {
  readonly ctx = new Context();
  state: 'runnable' | 'blocked' | 'dead' = 'runnable';
  wait: Wait | undefined;
  /** Set when the wait ended by its deadline (a re-executed nanosleep then returns at once). */
  timedOut = false;
  /** Set when a signal interrupted the wait: the re-executed call returns -EINTR. */
  interrupted = false;
  sigmask = 0n;
  readonly pending: SigInfo[] = [];
  clearChildTid = 0;
  robustList = 0;
  altStack = { sp: 0, size: 0, flags: 2 /* SS_DISABLE */ };
  /** Signal mask to restore after the handler of a sigsuspend/ppoll returns. */
  savedMask: bigint | undefined;
  /** The blocked call must not restart after a handler even with SA_RESTART (nanosleep, poll...). */
  noRestart = false;
  /** The virtual time a sleeping thread wakes at (kept while its SYSCALL re-executes). */
  sleepUntil: number | undefined;
  /** Set by futex_wake for a thread waiting in futex_wait. */
  futexWoken = false;
  /** Set while a tracer (ptrace) controls this thread. */
  trace: Trace | undefined;
  /** Details of the fault behind a pending synchronous signal (for the signal frame). */
  faultFrame: { trapno: number; err: number; cr2: number } | undefined;
  /** An EDF reservation of the thread's core (undefined: round-robin with the other such threads). */
  rt: Reservation | undefined;

  constructor(readonly tid: number, readonly proc: Process, public sched: CoreSched) {}
}

export type ExitStatus = { kind: 'exited'; code: number } | { kind: 'killed'; signal: number; core: boolean; reason: string };

export class Process {
  readonly threads: Thread[] = [];
  readonly children: Process[] = [];
  readonly actions: SigAction[] = Array.from({ length: NSIG + 1 }, () => ({ handler: 0, flags: 0, restorer: 0, mask: 0n }));
  readonly pending: SigInfo[] = [];
  state: 'live' | 'zombie' | 'reaped' = 'live';
  status: ExitStatus | undefined;
  cwd = '/';
  umask = 0o022;
  pgid: number;
  sid: number;
  /** A vfork child borrowing this process's memory (the parent waits until it execs or exits). */
  vforkChild: Process | undefined;
  /** The process whose memory this vfork child borrows. */
  vforkFrom: Process | undefined;
  /** ITIMER_REAL (alarm, setitimer): SIGALRM at `at` ns of virtual time, then every `interval`. */
  realTimer: { at: number; interval: number; cancel(): void } | undefined;

  constructor(readonly pid: number, public parent: Process | undefined, public mm: Mm, public files: FdTable, public exe: string, public name: string) {
    this.pgid = parent?.pgid ?? pid;
    this.sid = parent?.sid ?? pid;
  }

  /** The status as wait4 encodes it. */
  get waitStatus(): number {
    const s = this.status;
    if (!s) return 0;
    // No core file is ever written (as under RLIMIT_CORE 0), so WCOREDUMP stays clear.
    return s.kind === 'exited' ? (s.code & 0xff) << 8 : s.signal & 0x7f;
  }

  /** The status a shell reports: the code, or 128 + the signal. */
  get shellStatus(): number | undefined {
    const s = this.status;
    if (!s) return undefined;
    return s.kind === 'exited' ? s.code & 0xff : 128 + s.signal;
  }

  liveThreads(): Thread[] {
    return this.threads.filter((t) => t.state !== 'dead');
  }
}
