// Parallel mode: each LWK core that runs user threads runs its x86 core in a worker thread over the
// node's shared memory, so threads on different cores run at the same time on the host's cores.
// The kernel stays in the main thread and single-threaded: it picks a thread for every idle core,
// hands it to that core's worker, sleeps until some worker exits (syscall, fault, time budget),
// serves the exit exactly as in deterministic mode — the core's Cpu in the main thread keeps the
// registers the kernel reads and writes — and hands the thread back. Syscalls are therefore
// serialized, which makes futexes, fork, exec and signals work across workers unchanged. Kernel-side
// TLB flushes reach the workers through the memory's sync epoch (Cpu.parallel).
//
// Virtual time: a core's slice starts at the node clock when it is handed a thread and advances
// with the instructions it retires; the clock moves to the latest time any core reached. What runs
// when depends on the host's scheduling, so output and instruction counts may vary between runs.
import { Worker, receiveMessageOnPort, MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Core, RunOutcome } from '@serval/machine';
import { type Exit, SYNC_EPOCH } from '@serval/x86';
import { LwkError } from '../errors.js';
import type { Lwk } from '../kernel.js';
import { Context } from '../proc/context.js';
import type { Thread } from '../proc/process.js';
import type { Mm } from '../mm/mm.js';
import { type CoreSched, TIMESLICE } from '../proc/sched.js';
import { nextRelease, runLimitNs } from '../sched/edf.js';
import {
  ACK, CMD, CTL_WORDS, DONE, EXIT, READY, EXIT_BUDGET, EXIT_ERROR, EXIT_SYSCALL, F_BUDGET, F_CR3, F_EXIT_RIP, F_ICOUNT,
  F_SLICE_NS, NUM_WORDS, OP, OP_QUIT, OP_RUN, REG_WORDS, type CoreWorkerData, putContext, putSystem, takeContext, takeSegments,
} from './protocol.js';

export interface ParallelOptions {
  /**
   * The worker script: the LWK's built `dist/parallel/worker-entry.js`, or a bundle that starts
   * `runCoreWorker` itself when its `workerData` has `servalLwkCore` (the CLI does).
   */
  workerFile: string | URL;
  /** Extra `workerData` fields (a bundle that starts itself as the worker recognizes it by them). */
  workerData?: Record<string, unknown>;
  /** Instructions a thread runs before its core checks back with the kernel (default: one node quantum). */
  budget?: number;
}

/** One core's worker and the buffers shared with it. */
interface RemoteCore {
  core: Core;
  sched: CoreSched;
  worker: Worker;
  port: MessagePort;
  ctl: Int32Array;
  regs: Int32Array;
  nums: Float64Array;
  issued: number;
  /** The thread the worker is running (undefined: the core is free) and the memory it runs in. */
  running: Thread | undefined;
  mm: Mm | undefined;
  startNs: number;
  startIcount: number;
}

export class ParallelRunner {
  private readonly remotes = new Map<number, RemoteCore>();
  private readonly bell = new Int32Array(new SharedArrayBuffer(4));
  private readonly ctx = new Context();
  /** Memory of ended processes or replaced images that a worker may still be running in. */
  private readonly deferred = new Set<Mm>();
  /** Whether the kernel did anything (signal delivery) while the current pass looked for work. */
  private kernelRan = false;

  constructor(private readonly k: Lwk, private readonly opts: ParallelOptions) {}

  /** Runs until `stop` holds, every core is done, or nothing can run again; then stops the workers. */
  run(stop: () => boolean): RunOutcome {
    const node = this.k.node;
    for (const s of this.k.scheds) s.core.cpu.parallel = true;
    try {
      for (;;) {
        if (stop()) return { kind: 'stopped' };
        let active = false, busy = false;
        this.kernelRan = false;
        for (const s of this.k.scheds) {
          if (!s.core.driver) continue;
          active = true;
          const rc = this.remotes.get(s.core.id);
          if (rc?.running) { busy = true; continue; }
          if (this.dispatch(s)) busy = true;
          if (stop()) return { kind: 'stopped' };
        }
        // Delivering a signal to a thread about to run may have ended a process and so woken a
        // thread on a core this pass already found idle: look again before calling it a deadlock.
        if (!busy && this.kernelRan) continue;
        if (!busy) {
          if (!active || !this.k.scheds.some((s) => s.core.driver)) return { kind: 'done' };
          const next = node.clock.nextEventTime();
          if (next === Infinity) return { kind: 'deadlock', reason: 'every core is idle and no event is pending' };
          node.clock.advanceTo(next);
          continue;
        }
        this.waitAny();
      }
    } finally {
      this.shutdown();
      for (const s of this.k.scheds) s.core.cpu.parallel = false;
    }
  }

  /** Picks a thread for an idle core and starts it in the core's worker; false if the core stays idle. */
  private dispatch(s: CoreSched): boolean {
    const core = s.core;
    if (s.offline && s.threads.length === 0) {
      if (core.owner === 'lwk') core.owner = undefined;
      core.driver = undefined;
      return false;
    }
    const clock = this.k.node.clock;
    for (;;) {
      const now = clock.now;
      core.beginSlice(now);
      s.wake(now);
      const t = s.pick(now);
      if (!t) {
        if (s.threads.length === 0) { core.driver = undefined; return false; }
        let soonest = nextRelease(s.threads);
        for (const b of s.threads) if (b.wait?.deadline !== undefined) soonest = Math.min(soonest, b.wait.deadline);
        if (soonest < Infinity) this.k.wakeAt(soonest);
        return false;
      }
      s.load(t);
      this.kernelRan = true;
      this.k.beforeUser(t);
      if (t.state !== 'runnable') continue;
      const others = s.threads.some((o) => o !== t && o.state === 'runnable');
      let slice = this.opts.budget ?? core.budgetFor(this.k.node.quantumNs);
      if (others) slice = Math.min(slice, TIMESLICE);
      const limitNs = runLimitNs(s.threads, t, now);
      if (limitNs < Infinity) slice = Math.max(1, Math.min(slice, core.budgetFor(limitNs)));
      this.start(this.remote(s), t, slice, now);
      return true;
    }
  }

  private start(rc: RemoteCore, t: Thread, budget: number, now: number): void {
    const cpu = rc.core.cpu;
    this.ctx.save(cpu.state);
    putContext(this.ctx, rc.regs, rc.nums);
    putSystem(cpu.state, rc.regs, rc.nums);
    rc.nums[F_CR3] = cpu.state.cr3;
    rc.nums[F_ICOUNT] = cpu.icount;
    rc.nums[F_SLICE_NS] = now;
    rc.nums[F_BUDGET] = budget;
    rc.running = t;
    rc.mm = t.proc.mm;
    rc.startNs = now;
    rc.startIcount = cpu.icount;
    rc.ctl[OP] = OP_RUN;
    Atomics.store(rc.ctl, CMD, ++rc.issued);
    Atomics.notify(rc.ctl, CMD);
  }

  /** Sleeps until at least one worker has exited, and serves every exit there is. */
  private waitAny(): void {
    const since = Date.now();
    for (;;) {
      const rang = Atomics.load(this.bell, 0);
      let any = false;
      for (const rc of this.remotes.values()) {
        if (rc.running && Atomics.load(rc.ctl, DONE) === rc.issued) { any = true; this.finish(rc); }
      }
      if (any) return;
      Atomics.wait(this.bell, 0, rang, 1000);
      // A worker that never came up (a bad worker file, say) cannot report it while this thread waits.
      for (const rc of this.remotes.values()) {
        if (rc.running && Atomics.load(rc.ctl, READY) === 0 && Date.now() - since > 60_000) {
          throw new LwkError('CORE_WORKER_FAILED', `core ${rc.core.id}'s worker thread did not start (worker file ${String(this.opts.workerFile)})`);
        }
      }
    }
  }

  /** Takes a worker's exit back into the kernel: registers into the core's Cpu, time, then the exit itself. */
  private finish(rc: RemoteCore): void {
    const t = rc.running!;
    rc.running = undefined;
    rc.mm = undefined;
    this.releaseDeferred();
    const core = rc.core, cpu = core.cpu, s = rc.sched;
    const x = this.exitOf(rc);
    cpu.icount = rc.nums[F_ICOUNT];
    const ran = cpu.icount - rc.startIcount;
    const clock = this.k.node.clock;
    if (t.state === 'dead' || s.loaded !== t) {
      // Killed (exit_group, exec, a fatal signal) while it ran: its registers and exit are moot.
      if (core.localTimeNs() > clock.now) clock.advanceTo(core.localTimeNs());
      return;
    }
    takeContext(this.ctx, rc.regs, rc.nums);
    this.ctx.load(cpu.state);
    takeSegments(cpu.state, rc.regs, rc.nums);
    if (t.rt) t.rt.leftNs -= (ran * 1e9) / core.freqHz;
    s.onRun?.(t, rc.startNs, core.localTimeNs());
    const local = core.localTimeNs();
    if (local > clock.now) clock.advanceTo(local);
    if (x.kind === 'budget') {
      if (s.threads.some((o) => o !== t && o.state === 'runnable')) s.rotate(t);
      return;
    }
    const sync = this.k.node.memory.sync;
    const before = Atomics.load(sync, SYNC_EPOCH);
    this.k.handleExit(t, x);
    const after = Atomics.load(sync, SYNC_EPOCH);
    if (after !== before) this.awaitShootdown(after);
  }

  /**
   * A syscall flushed translations (munmap, mprotect, exec, exit...): before its thread goes on,
   * every other core that is running drops its TLB — at its next block, which it acknowledges.
   */
  private awaitShootdown(epoch: number): void {
    for (;;) {
      const rang = Atomics.load(this.bell, 0);
      let waiting = false;
      for (const rc of this.remotes.values()) {
        if (!rc.running || Atomics.load(rc.ctl, DONE) === rc.issued) continue;
        if (((Atomics.load(rc.ctl, ACK) - epoch) | 0) < 0) waiting = true;
      }
      if (!waiting) return;
      Atomics.wait(this.bell, 0, rang, 10);
    }
  }

  /**
   * Keeps `mm` (its pages and page tables) until no worker runs in it; false if none does. A killed
   * thread's worker runs on until its exit or budget, so its memory must not be reused before.
   */
  deferRelease(mm: Mm): boolean {
    for (const rc of this.remotes.values()) {
      if (rc.running && rc.mm === mm) { this.deferred.add(mm); return true; }
    }
    return false;
  }

  private releaseDeferred(): void {
    for (const mm of this.deferred) {
      if (![...this.remotes.values()].some((rc) => rc.running && rc.mm === mm)) { this.deferred.delete(mm); mm.destroy(); }
    }
  }

  private exitOf(rc: RemoteCore): Exit {
    switch (rc.ctl[EXIT]) {
      case EXIT_BUDGET: return { kind: 'budget' };
      case EXIT_SYSCALL: return { kind: 'syscall', rip: rc.nums[F_EXIT_RIP] };
    }
    let m = receiveMessageOnPort(rc.port);
    for (let spin = 0; !m && spin < 1000; spin++) m = receiveMessageOnPort(rc.port);
    const msg = m?.message as { exit?: Exit; error?: string } | undefined;
    if (rc.ctl[EXIT] === EXIT_ERROR || !msg?.exit) {
      throw new LwkError('CORE_WORKER_FAILED', `core ${rc.core.id}'s worker failed: ${msg?.error ?? 'no exit reported'}`);
    }
    return msg.exit;
  }

  /** The worker of a core, started the first time the core runs a thread. */
  private remote(s: CoreSched): RemoteCore {
    const id = s.core.id;
    const have = this.remotes.get(id);
    if (have) return have;
    const node = this.k.node;
    const ch = new MessageChannel();
    const ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4));
    const regs = new Int32Array(new SharedArrayBuffer(REG_WORDS * 4));
    const nums = new Float64Array(new SharedArrayBuffer(NUM_WORDS * 8));
    const data: CoreWorkerData & { port: MessagePort } = {
      ...this.opts.workerData, servalLwkCore: true, core: id, cores: node.cores.length, freqHz: s.core.freqHz, tscHz: node.tscHz,
      memorySize: node.memory.size, memory: node.memory.shared, ctl: ctl.buffer as SharedArrayBuffer,
      regs: regs.buffer as SharedArrayBuffer, nums: nums.buffer as SharedArrayBuffer, bell: this.bell.buffer as SharedArrayBuffer, port: ch.port2,
    };
    // A worker's default young generation is small: compiled blocks allocate, and scavenging cost a
    // worker about a fifth more CPU than the main thread for the same guest code.
    const worker = new Worker(this.opts.workerFile, { workerData: data, transferList: [ch.port2], resourceLimits: { maxYoungGenerationSizeMb: 48 } });
    worker.unref();
    const rc: RemoteCore = { core: s.core, sched: s, worker, port: ch.port1, ctl, regs, nums, issued: 0, running: undefined, mm: undefined, startNs: 0, startIcount: 0 };
    this.remotes.set(id, rc);
    return rc;
  }

  /** Tells every worker to quit (a worker still running user code is terminated). */
  private shutdown(): void {
    for (const rc of this.remotes.values()) {
      if (rc.running) void rc.worker.terminate();
      else {
        rc.ctl[OP] = OP_QUIT;
        Atomics.store(rc.ctl, CMD, ++rc.issued);
        Atomics.notify(rc.ctl, CMD);
      }
      rc.port.close();
    }
    this.remotes.clear();
    // A worker still running is being terminated: what it ran in is no longer in use.
    for (const mm of this.deferred) mm.destroy();
    this.deferred.clear();
  }
}
