// One scheduler per core: the threads homed there, round-robin in fixed instruction slices (so
// runs repeat exactly), blocked threads re-checked whenever the core looks for work. With one
// thread per core — the LWK default — a thread simply owns its core. Threads holding an EDF
// reservation (sched/edf.ts) come first, earliest deadline first; the rest share what is left.
import type { Core, CoreDriver, SliceResult } from '@serval/machine';
import type { Exit } from '@serval/x86';
import { nextRelease, pickEdf, runLimitNs } from '../sched/edf.js';
import { interruptIfPending } from '../signal/deliver.js';
import type { Thread } from './process.js';

/** Instructions a thread runs before another runnable thread on the same core gets its turn. */
export const TIMESLICE = 200_000;

export interface SchedKernel {
  /** Services an exit of `t` (a syscall, a fault...). */
  handleExit(t: Thread, x: Exit): void;
  /** Called before `t` returns to user mode: delivers pending signals. */
  beforeUser(t: Thread): void;
  /** Asks for a wakeup at virtual time `ns` (a sleeping thread's deadline). */
  wakeAt(ns: number): void;
}

export class CoreSched implements CoreDriver {
  readonly threads: Thread[] = [];
  /** The thread whose registers are in the core right now. */
  loaded: Thread | undefined;
  private next = 0;
  /** Set when the core leaves the LWK (hot remove): the next slice gives it up. */
  offline = false;
  /** Called after each stretch a thread ran: [start, end) in the core's virtual ns. */
  onRun: ((t: Thread, startNs: number, endNs: number) => void) | undefined;

  constructor(readonly core: Core, private readonly k: SchedKernel) {}

  add(t: Thread): void {
    this.threads.push(t);
    t.sched = this;
    if (!this.core.driver) this.core.driver = this;
  }

  remove(t: Thread): void {
    const i = this.threads.indexOf(t);
    if (i >= 0) this.threads.splice(i, 1);
    if (this.loaded === t) this.loaded = undefined;
    if (this.next > i && i >= 0) this.next--;
  }

  /** Moves `t`'s registers into the core (saving whoever was there). */
  load(t: Thread): void {
    if (this.loaded === t) return;
    const cpu = this.core.cpu;
    const s = cpu.state;
    if (this.loaded && this.loaded.state !== 'dead') this.loaded.ctx.save(s);
    t.ctx.load(s);
    const cr3 = t.proc.mm.aspace.cr3;
    if (s.cr3 !== cr3) { s.cr3 = cr3; cpu.flushTlb(); }
    this.loaded = t;
  }

  /** Saves the loaded thread's registers into its context (before fork copies them, for instance). */
  sync(): void {
    if (this.loaded) this.loaded.ctx.save(this.core.cpu.state);
  }

  /** Makes blocked threads whose wait is over runnable (also used by the parallel runner). */
  wake(now: number): void {
    for (const t of this.threads) {
      if (t.state !== 'blocked' || !t.wait) continue;
      if (t.wait.ready()) { t.state = 'runnable'; t.wait = undefined; }
      else if (interruptIfPending(t)) continue;
      else if (t.wait.deadline !== undefined && now >= t.wait.deadline) { t.state = 'runnable'; t.wait = undefined; t.timedOut = true; }
    }
  }

  /** The thread to run next (EDF reservations first, then round-robin). */
  pick(now: number): Thread | undefined {
    const rt = pickEdf(this.threads, now);
    if (rt) return rt;
    const n = this.threads.length;
    for (let k = 0; k < n; k++) {
      const t = this.threads[(this.next + k) % n];
      if (t.state === 'runnable' && !t.rt) { this.next = (this.next + k) % n; return t; }
    }
    return undefined;
  }

  /** After `t` used up its time slice: the next runnable thread gets the core first. */
  rotate(t: Thread): void {
    const i = this.threads.indexOf(t);
    if (i >= 0) this.next = (i + 1) % this.threads.length;
  }

  runSlice(core: Core, budget: number): SliceResult {
    const cpu = core.cpu;
    let left = budget;
    if (this.offline && this.threads.length === 0) {
      if (this.core.owner === 'lwk') this.core.owner = undefined;
      return 'done';
    }
    while (left > 0) {
      const now = core.localTimeNs();
      this.wake(now);
      const t = this.pick(now);
      if (!t) {
        // A core whose last thread just ended still ran this slice: saying so keeps the node from
        // declaring a deadlock while that thread's exit has woken threads on cores that went idle.
        if (this.threads.length === 0) {
          if (left !== budget) return 'ran';
          this.core.driver = undefined;
          return 'done';
        }
        let soonest = nextRelease(this.threads);
        for (const b of this.threads) if (b.wait?.deadline !== undefined) soonest = Math.min(soonest, b.wait.deadline);
        if (soonest < Infinity) this.k.wakeAt(soonest);
        return left === budget ? 'idle' : 'ran';
      }
      this.load(t);
      this.k.beforeUser(t);
      if (t.state !== 'runnable') continue;
      const others = this.threads.some((o) => o !== t && o.state === 'runnable');
      let slice = others ? Math.min(left, TIMESLICE) : left;
      const limitNs = runLimitNs(this.threads, t, now);
      if (limitNs < Infinity) slice = Math.min(slice, core.budgetFor(limitNs));
      const before = cpu.icount;
      const x = cpu.run(slice);
      const ran = cpu.icount - before;
      left -= ran;
      if (t.rt) t.rt.leftNs -= (ran * 1e9) / core.freqHz;
      this.onRun?.(t, now, core.localTimeNs());
      if (x.kind === 'budget') {
        if (others) this.next = (this.threads.indexOf(t) + 1) % this.threads.length;
        continue;
      }
      this.k.handleExit(t, x);
    }
    return 'ran';
  }
}
