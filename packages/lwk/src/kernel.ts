// The lightweight kernel: it owns the node's cores and memory outright, maps every process's memory
// eagerly (no demand paging, no OS noise), places one thread per core when it can, and serves the
// Linux syscall ABI so unmodified static binaries run. Kitten's design — with fork and exec, which
// Kitten lacks. The kernel is host code: a thread's SYSCALL exits its core straight into it.
import { parseElf64 } from '@serval/guest-tools';
import type { Node, RunOutcome } from '@serval/machine';
import { type Exit, VEC, enterLongMode, hex } from '@serval/x86';
import { E } from './errno.js';
import { LwkError } from './errors.js';
import { FdTable, OpenFile } from './fs/file.js';
import { MemFs } from './fs/memfs.js';
import { hostConsole } from './fs/special.js';
import { type FileSystem, O, join } from './fs/types.js';
import { mapsText } from './fs/proc-maps.js';
import { type ProcView, Vfs } from './fs/vfs.js';
import type { HostIo } from './host-io.js';
import { AT, buildInitialStack } from './initial-stack.js';
import { type AddressSpace, PageTablePool, PROT_RW } from './mm/aspace.js';
import { ImageCache, loadElfImage } from './mm/image.js';
import { Mm, type MmPolicy } from './mm/mm.js';
import { Pmem } from './mm/pmem.js';
import { type ExitStatus, Process, Thread } from './proc/process.js';
import { Gdt, copyLdt } from './proc/ldt.js';
import { CoreSched, type SchedKernel } from './proc/sched.js';
import { deliverPending, queueSignal } from './signal/deliver.js';
import { SIG, SIG_NAMES, SEGV_ACCERR, SEGV_MAPERR, type SigInfo, bit } from './signal/signals.js';
import { BLOCK, dispatchSyscall } from './syscalls/dispatch.js';
import { type ParallelOptions, ParallelRunner } from './parallel/runner.js';

export interface LwkOptions {
  io: HostIo;
  /** The root file system processes see; an empty in-memory one by default. */
  fs?: FileSystem;
  /** Working directory of the first process. */
  cwd?: string;
  /** Diagnostics (unimplemented syscalls, fatal signals). */
  log?: (msg: string) => void;
  /** Bytes of low memory kept for the kernel (firmware area, kernel data). */
  kernelReserve?: number;
  stackSize?: number;
  /** Seed of /dev/urandom, getrandom and AT_RANDOM: runs repeat exactly. */
  seed?: number;
  /** The node's cores the LWK starts with (all by default); more come and go with addCore/removeCore. */
  cores?: readonly number[];
  /**
   * Parallel mode: each core runs its threads in a worker thread, at the same time as the others
   * (parallel/runner.ts). Off by default: runs then repeat exactly.
   */
  parallel?: ParallelOptions;
}

export interface SpawnOptions {
  argv: string[];
  envp?: string[];
  /** Path reported as the program's name (AT_EXECFN, /proc/self/exe). */
  path: string;
  core?: number;
  /** Where the process's standard streams go (the kernel's own HostIo by default). */
  io?: HostIo;
  /** Cores, heap and page sizes of its address space (Kitten's job parameters). */
  policy?: MmPolicy;
}

const MB = 1024 * 1024;
/**
 * Below the top of user space by 2 MiB, as Linux's randomized stack is: programs (the kernel's
 * sysret_rip selftest) map the highest user pages themselves.
 */
export const STACK_TOP = 0x7fffffe00000;

export class Lwk implements SchedKernel {
  readonly pmem: Pmem;
  readonly vfs: Vfs;
  readonly procs = new Map<number, Process>();
  readonly scheds: CoreSched[];
  /** Cores that belong to the LWK (hot add and remove change the set; see sched/cores.ts). */
  readonly online: Set<number>;
  private readonly pool: PageTablePool;
  /** The descriptor table user selectors name (with each address space's LDT: proc/ldt.ts). */
  readonly gdt: Gdt;
  private readonly images: ImageCache;
  private nextPid = 1;
  private first: Process | undefined;
  readonly log: (msg: string) => void;
  private readonly wakeups = new Set<number>();
  /** Set while `run` runs in parallel mode. */
  private runner: ParallelRunner | undefined;
  /** Syscalls reported as unimplemented (each once per run). */
  readonly reported = new Set<string>();

  constructor(readonly node: Node, readonly opts: LwkOptions) {
    this.pmem = new Pmem(node.memory.size);
    this.pmem.reserve(0, opts.kernelReserve ?? MB, 'kernel', 'LWK');
    this.pool = new PageTablePool(node.memory, this.pmem);
    this.gdt = new Gdt(node.memory, this.pool.take());
    this.images = new ImageCache(this.pmem, node.memory);
    this.log = opts.log ?? (() => {});
    this.vfs = new Vfs(opts.fs ?? new MemFs(), opts.seed ?? 1);
    this.scheds = node.cores.map((c) => new CoreSched(c, this));
    this.online = new Set(opts.cores ?? node.cores.map((c) => c.id));
    for (const id of this.online) node.core(id);
  }

  /** A fresh process or thread id. */
  allocId(): number {
    return this.nextPid++;
  }

  get io(): HostIo { return this.opts.io; }

  /** The first process's exit status as a shell reports it. */
  get status(): number | undefined { return this.first?.shellStatus; }

  mmResources() {
    return { mem: this.node.memory, pmem: this.pmem, pool: this.pool, flushAll: () => this.flushAllTlbs(), system: (a: AddressSpace) => this.gdt.map(a) };
  }

  /** Drops cached translations on every core the LWK runs (after mappings other spaces see change). */
  flushAllTlbs(): void {
    for (const s of this.scheds) if (s.core.owner === 'lwk') s.core.cpu.flushTlb();
  }

  /**
   * The core with the fewest threads (lowest id on ties) among the LWK's cores in `mask`: one thread
   * per core while cores last.
   */
  placeCore(want?: number, mask?: readonly number[]): CoreSched {
    if (want !== undefined) {
      const c = this.node.core(want);
      if (c.owner && c.owner !== 'lwk') throw new LwkError('CORE_BUSY', `core ${want} is in use by ${c.owner}`);
      if (!this.online.has(want)) throw new LwkError('CORE_OFFLINE', `core ${want} does not belong to the LWK (add it first)`);
      return this.scheds[want];
    }
    let best: CoreSched | undefined;
    for (const s of this.scheds) {
      if (s.core.owner && s.core.owner !== 'lwk') continue;
      if (!this.online.has(s.core.id) || (mask && !mask.includes(s.core.id))) continue;
      if (!best || s.threads.length < best.threads.length) best = s;
    }
    if (!best) throw new LwkError('NO_FREE_CORE', `all ${this.node.cores.length} cores are in use`);
    return best;
  }

  /** Starts a program as a new process (the job's first process if it is the first). */
  spawn(program: Uint8Array, o: SpawnOptions): Process {
    const name = o.path.split('/').pop() || o.path;
    const mm = new Mm(this.mmResources(), name, o.policy);
    const files = new FdTable();
    for (const fd of [0, 1, 2]) files.add(new OpenFile(hostConsole(o.io ?? this.io, fd), fd === 0 ? O.RDONLY : O.WRONLY, `/dev/fd/${fd}`));
    const p = new Process(this.nextPid++, undefined, mm, files, join(this.opts.cwd ?? '/', o.path), name);
    p.cwd = this.opts.cwd ?? '/';
    const sched = this.placeCore(o.core, o.policy?.cpus);
    const t = new Thread(p.pid, p, sched);
    p.threads.push(t);
    try {
      this.load(t, program, o.path, o.argv, o.envp ?? []);
    } catch (e) {
      mm.destroy();
      throw e;
    }
    this.procs.set(p.pid, p);
    this.first ??= p;
    this.takeCore(sched);
    sched.add(t);
    return p;
  }

  /** Prepares a core for user threads (64-bit mode, the intercepts the kernel serves). */
  takeCore(s: CoreSched): void {
    if (s.core.owner === 'lwk') return;
    const cpu = s.core.cpu;
    cpu.state.reset();
    enterLongMode(cpu, 0, 3);
    this.gdt.load(cpu.state);
    cpu.intercepts = {
      syscall: true, io: true, cpuid: false, msr: false, allMsrs: false, hlt: true, vmcall: false,
      exceptions: 0xffffffff, interruptWindow: false,
    };
    s.core.owner = 'lwk';
  }

  /** Loads an ELF image into `t`'s process (a fresh Mm) and points `t` at its entry. */
  load(t: Thread, program: Uint8Array, path: string, argv: string[], envp: string[]): void {
    const p = t.proc;
    const mem = this.node.memory;
    const elf = parseElf64(program, path);
    const mm = p.mm;
    const image = loadElfImage(elf, mm, this.pmem, mem, p.name, this.images);
    mm.brkStart = mm.brk = mm.brkMapped = image.end;
    if (mm.policy.heap) mm.reserveHeap(mm.policy.heap);
    const stackSize = this.opts.stackSize ?? 8 * MB;
    mm.mapFresh(STACK_TOP - stackSize, stackSize, PROT_RW, 'stack', 'stack', 2 * MB);
    mm.mmapTop = STACK_TOP - stackSize - 16 * MB;
    const cpuid = this.node.cores[0].cpu.cpuidModel.get(1, 0, 0);
    const built = buildInitialStack({
      argv, envp, execfn: path, platform: 'x86_64', random: this.vfs.entropy.bytes(16), top: STACK_TOP,
      aux: [
        [AT.PHDR, image.phdr], [AT.PHENT, 56], [AT.PHNUM, image.phnum], [AT.PAGESZ, 4096], [AT.BASE, 0],
        [AT.FLAGS, 0], [AT.ENTRY, image.entry], [AT.UID, 1000], [AT.EUID, 1000], [AT.GID, 1000], [AT.EGID, 1000],
        [AT.SECURE, 0], [AT.HWCAP, cpuid[3] >>> 0], [AT.HWCAP2, 0], [AT.CLKTCK, 100], [AT.MINSIGSTKSZ, 2048],
      ],
    });
    if (built.bytes.length > stackSize / 4) throw new LwkError('E2BIG', `arguments and environment of ${p.name} need ${built.bytes.length} bytes of stack`);
    if (!mm.write(STACK_TOP - built.bytes.length, built.bytes)) throw new LwkError('BAD_STACK', 'cannot write the initial stack');
    const c = t.ctx;
    c.r.fill(0);
    c.rip = image.entry;
    c.set(4, built.sp);
    c.fsBase = 0; c.gsBase = 0;
    c.flatSegments();
    c.xmm.fill(0); c.mxcsr = 0x1f80;
    c.fpr.fill(0); c.fpe.fill(0); c.fpuControl = 0x037f; c.fpuStatus = 0; c.fpuTop = 0; c.fpuTag = 0xffff;
    // RFLAGS = 0x202 in the lazy-flag encoding: ZF clear (result 1), parity of 1 is odd.
    c.r[32] = 1; c.r[33] = 0; c.r[34] = 0; c.r[35] = 0x202;
    if (t.sched.loaded === t) t.sched.loaded = undefined;
  }

  /** Runs until the first process has ended, or until `stop` holds when one is given. */
  run(stop?: () => boolean): RunOutcome {
    const firstEnded = () => this.first !== undefined && this.first.state !== 'live';
    let out0: RunOutcome;
    if (this.opts.parallel) {
      this.runner = new ParallelRunner(this, this.opts.parallel);
      try { out0 = this.runner.run(stop ?? firstEnded); } finally { this.runner = undefined; }
    } else {
      out0 = this.node.run({ stop: stop ?? firstEnded });
    }
    const out: RunOutcome = out0.kind === 'stopped' && !stop ? { kind: 'done' } : out0;
    if (out.kind === 'deadlock' && this.first?.state === 'live') {
      const blocked = [...this.procs.values()].flatMap((p) => p.liveThreads().map((t) => `${p.name}[${t.tid}]: ${t.wait?.what ?? t.state}`));
      this.log(`every thread is blocked and nothing can wake them: ${blocked.join('; ')}`);
    }
    return out;
  }

  // ======================================================================== SchedKernel

  handleExit(t: Thread, x: Exit): void {
    switch (x.kind) {
      case 'syscall': dispatchSyscall(this, t); return;
      case 'exception': this.fault(t, x); return;
      case 'unimplemented': this.killProcess(t.proc, { kind: 'killed', signal: SIG.ILL, core: true, reason: `unimplemented instruction ${x.what} at ${hex(x.rip)}` }); return;
      default: this.killProcess(t.proc, { kind: 'killed', signal: SIG.SEGV, core: true, reason: `unexpected ${x.kind} exit at ${hex(t.sched.core.cpu.state.rip)}` });
    }
  }

  beforeUser(t: Thread): void {
    deliverPending(this, t);
  }

  wakeAt(ns: number): void {
    if (this.wakeups.has(ns)) return;
    this.wakeups.add(ns);
    this.node.clock.at(ns, () => this.wakeups.delete(ns));
  }

  // ======================================================================== faults and signals

  fault(t: Thread, x: Extract<Exit, { kind: 'exception' }>): void {
    const v = x.vector;
    let info: SigInfo;
    if (v === VEC.PF) info = { signo: SIG.SEGV, code: (x.errorCode ?? 0) & 1 ? SEGV_ACCERR : SEGV_MAPERR, addr: x.cr2 };
    else if (v === VEC.GP) info = { signo: SIG.SEGV, code: 0x80, addr: 0 };
    else if (v === VEC.SS || v === VEC.NP) info = { signo: SIG.BUS, code: 0x80, addr: 0 }; // as Linux's do_error_trap
    else if (v === VEC.UD) info = { signo: SIG.ILL, code: 2, addr: x.rip };
    else if (v === VEC.DE) info = { signo: SIG.FPE, code: 1, addr: x.rip };
    else if (v === VEC.MF || v === VEC.XM) info = { signo: SIG.FPE, code: 0, addr: x.rip };
    else if (v === VEC.BP || v === VEC.DB) info = { signo: SIG.TRAP, code: 0x80, addr: 0 };
    else if (v === VEC.AC) info = { signo: SIG.BUS, code: 1, addr: x.rip };
    else info = { signo: SIG.SEGV, code: 0x80, addr: 0 };
    const s = t.sched.core.cpu.state;
    const blockedOrIgnored = (t.sigmask & bit(info.signo)) !== 0n || t.proc.actions[info.signo].handler === 1;
    const why = v === VEC.PF ? `invalid memory access at ${hex(x.cr2)}` : `exception ${v}`;
    // A synchronous fault that cannot be handled kills the process (as Linux forces the default).
    if (blockedOrIgnored || t.proc.actions[info.signo].handler === 0) {
      this.killProcess(t.proc, { kind: 'killed', signal: info.signo, core: true, reason: `${why}, rip ${hex(x.rip)}` });
      return;
    }
    t.faultFrame = { trapno: v, err: x.errorCode ?? 0, cr2: v === VEC.PF ? x.cr2 : 0 };
    void s;
    t.pending.unshift(info);
  }

  /** Sends a signal to a process (kill) or one thread (tgkill). */
  signal(target: Process | Thread, info: SigInfo): void {
    queueSignal(this, target, info);
  }

  // ======================================================================== lifecycle

  /** Ends one thread; the process ends with its last thread. */
  exitThread(t: Thread, code: number): void {
    if (t.state === 'dead') return;
    t.state = 'dead';
    t.sched.remove(t);
    if (t.clearChildTid) {
      t.proc.mm.writeU32(t.clearChildTid, 0);
      this.futexWake(t.proc, t.clearChildTid, 1);
    }
    if (t.proc.liveThreads().length === 0) this.endProcess(t.proc, { kind: 'exited', code });
  }

  /** Ends every thread of a process (exit_group, fatal signals). */
  killProcess(p: Process, status: ExitStatus): void {
    if (p.state !== 'live') return;
    if (status.kind === 'killed') {
      const msg = `${p.name}: terminated by ${SIG_NAMES[status.signal] ?? `signal ${status.signal}`}`;
      if (status.reason) this.log(`${msg} (${status.reason})`);
    }
    for (const t of p.threads) {
      if (t.state !== 'dead') { t.state = 'dead'; t.sched.remove(t); }
    }
    this.endProcess(p, status);
  }

  private endProcess(p: Process, status: ExitStatus): void {
    if (p.state !== 'live') return;
    p.state = 'zombie';
    p.status = status;
    p.files.closeAll();
    this.releaseMm(p);
    const init = this.first !== p && this.first?.state === 'live' ? this.first : undefined;
    for (const c of p.children) { c.parent = init; init?.children.push(c); }
    p.children.length = 0;
    const parent = p.parent;
    if (parent && parent.state === 'live') {
      const st = p.status;
      this.signal(parent, { signo: SIG.CHLD, code: st?.kind === 'exited' ? 1 : 2, pid: p.pid, uid: 1000, status: st?.kind === 'exited' ? st.code : st?.signal });
    } else {
      p.state = 'reaped';
      this.procs.delete(p.pid);
    }
  }

  /** Drops a process's memory, unless a vfork parent still owns it. */
  releaseMm(p: Process): void {
    const borrowedFrom = p.vforkFrom;
    if (borrowedFrom) {
      p.vforkFrom = undefined;
      borrowedFrom.vforkChild = undefined;
      return;
    }
    // A thread of it may still be running in a core's worker (parallel mode): its memory must not
    // go to anyone else before that core is back.
    if (this.runner?.deferRelease(p.mm)) return;
    p.mm.destroy();
  }

  /** Reaps a zombie child (wait4 found it). */
  reap(parent: Process, child: Process): void {
    child.state = 'reaped';
    this.procs.delete(child.pid);
    const i = parent.children.indexOf(child);
    if (i >= 0) parent.children.splice(i, 1);
  }

  /** A new process or thread (clone). Returns the child's id. */
  clone(t: Thread, o: { thread: boolean; vm: boolean; vfork: boolean; stack: number; tls?: number; clearTid?: number }): number {
    const p = t.proc;
    t.sched.sync();
    if (o.thread) {
      const sched = this.placeCore(undefined, p.mm.policy.cpus);
      const nt = new Thread(this.nextPid++, p, sched);
      nt.ctx.copyFrom(t.ctx);
      nt.sigmask = t.sigmask;
      this.setupChild(nt, o);
      p.threads.push(nt);
      this.takeCore(sched);
      sched.add(nt);
      return nt.tid;
    }
    const mm = o.vm ? p.mm : p.mm.fork(p.name);
    if (!o.vm) copyLdt(p.mm, mm, this.node.memory);
    const child = new Process(this.nextPid++, p, mm, p.files.fork(), p.exe, p.name);
    child.cwd = p.cwd;
    child.umask = p.umask;
    child.actions.forEach((a, i) => Object.assign(a, p.actions[i]));
    if (o.vm) { child.vforkFrom = p; p.vforkChild = child; }
    const sched = this.placeCore(undefined, mm.policy.cpus);
    const nt = new Thread(child.pid, child, sched);
    nt.ctx.copyFrom(t.ctx);
    nt.sigmask = t.sigmask;
    this.setupChild(nt, o);
    child.threads.push(nt);
    p.children.push(child);
    this.procs.set(child.pid, child);
    this.takeCore(sched);
    sched.add(nt);
    return child.pid;
  }

  private setupChild(nt: Thread, o: { stack: number; tls?: number; clearTid?: number }): void {
    const c = nt.ctx;
    // The child returns from the same syscall with 0, after the instruction (as after SYSRET).
    c.set(0, 0);
    c.set(1, c.rip);
    if (o.stack) c.set(4, o.stack);
    if (o.tls !== undefined) c.fsBase = o.tls;
    if (o.clearTid) nt.clearChildTid = o.clearTid;
  }

  /** execve: replaces the process image; -errno if the new program cannot be started. */
  exec(t: Thread, path: string, argv: string[], envp: string[], depth = 0): number {
    const p = t.proc;
    const view = this.procView(p);
    const f = this.vfs.open(p.cwd, path, O.RDONLY, 0, view);
    if (typeof f === 'number') return f;
    const st = f.impl.stat();
    // /proc/self/exe names the file itself (busybox re-executes itself through it).
    const exe = f.path;
    if ((st.mode & 0o170000) !== 0o100000) { f.unref(); return -E.ACCES; }
    const size = f.impl.size?.() ?? st.size;
    const data = f.impl.read(f, Math.max(size, 0));
    f.unref();
    if (typeof data === 'number' || data === 'block') return typeof data === 'number' ? data : -E.IO;
    if (data[0] === 0x23 && data[1] === 0x21) {
      // #! interpreter [arg]: run the interpreter with the script's path.
      if (depth > 4) return -E.LOOP;
      const line = new TextDecoder().decode(data.subarray(2, Math.min(data.length, 256))).split('\n')[0].trim();
      const [interp, ...rest] = line.split(/\s+/);
      if (!interp) return -E.NOEXEC;
      const arg = rest.length ? [rest.join(' ')] : [];
      return this.exec(t, interp, [interp, ...arg, path, ...argv.slice(1)], envp, depth + 1);
    }
    if (!(data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46)) return -E.NOEXEC;
    try {
      parseElf64(data, path);
    } catch {
      return -E.NOEXEC;
    }
    // Point of no return: the old image goes.
    for (const o of p.threads) if (o !== t && o.state !== 'dead') { o.state = 'dead'; o.sched.remove(o); }
    const policy = p.mm.policy;
    this.releaseMm(p);
    p.mm = new Mm(this.mmResources(), p.name, policy);
    p.files.exec();
    for (const a of p.actions) if (a.handler > 1) { a.handler = 0; a.flags = 0; a.mask = 0n; }
    p.exe = exe;
    p.name = path.split('/').pop() || path;
    t.altStack = { sp: 0, size: 0, flags: 2 };
    try {
      this.load(t, data, path, argv, envp);
    } catch (e) {
      this.killProcess(p, { kind: 'killed', signal: SIG.SEGV, core: false, reason: (e as Error).message });
      return 0;
    }
    t.sched.loaded = undefined;
    t.sched.core.cpu.flushTlb();
    return 0;
  }

  procView(p: Process): ProcView {
    return {
      pid: p.pid,
      exe: p.exe,
      maps: () => mapsText(p.mm, p.exe),
      fdPath: (fd) => p.files.get(fd)?.path,
      cpus: this.node.cores.length,
      memTotal: this.node.memory.size,
      memFree: this.pmem.free,
    };
  }

  // ======================================================================== futexes

  private readonly futexWaiters = new Map<string, Thread[]>();

  futexKey(p: Process, addr: number): string {
    return `${p.mm === undefined ? 0 : p.pid}:${addr}`;
  }

  futexWait(t: Thread, addr: number): void {
    const key = this.futexKey(t.proc, addr);
    const q = this.futexWaiters.get(key) ?? [];
    q.push(t);
    this.futexWaiters.set(key, q);
  }

  futexWake(p: Process, addr: number, n: number): number {
    const key = this.futexKey(p, addr);
    const q = this.futexWaiters.get(key);
    if (!q) return 0;
    let woken = 0;
    while (q.length && woken < n) {
      const w = q.shift()!;
      w.futexWoken = true;
      woken++;
    }
    if (!q.length) this.futexWaiters.delete(key);
    return woken;
  }

  futexCancel(t: Thread, addr: number): void {
    const key = this.futexKey(t.proc, addr);
    const q = this.futexWaiters.get(key);
    if (q) { const i = q.indexOf(t); if (i >= 0) q.splice(i, 1); if (!q.length) this.futexWaiters.delete(key); }
  }
}

export { BLOCK };
