// The LWK-native API, Kitten's pmem/aspace/task calls, for runtimes written in TypeScript (and the
// implementation behind the native syscalls in calls.ts): raw physical memory, address spaces
// built from it, SMARTMAP between them, and tasks placed on chosen cores.
import { LwkError } from '../errors.js';
import type { Lwk } from '../kernel.js';
import type { Prot } from '../mm/aspace.js';
import { type Backing, Mm, type MmPolicy } from '../mm/mm.js';
import type { PmemRegion, PmemType } from '../mm/pmem.js';
import { Process, Thread } from '../proc/process.js';
import { coresOf } from '../sched/cores.js';
import { reserve } from '../sched/edf.js';
import { ASPACE_CREATED_BASE, ASPACE_SELF } from './abi.js';

/** Rank of a process in a job launched with launchJob. */
export interface RankInfo { rank: number; size: number; smartmapStride: number }

interface Created { mm: Mm; proc?: Process }

/** What the native layer keeps per kernel. */
class NativeState {
  readonly pmem = new Map<number, { backing: Backing; owner: number }>();
  readonly created = new Map<number, Created>();
  readonly ranks = new Map<number, RankInfo>();
  nextAspace = ASPACE_CREATED_BASE;
}

const states = new WeakMap<Lwk, NativeState>();
function state(k: Lwk): NativeState {
  let s = states.get(k);
  if (!s) { s = new NativeState(); states.set(k, s); }
  return s;
}

// ---------------------------------------------------------------- physical memory

/** Physical memory regions in address order, all or of one type. */
export function pmemQuery(k: Lwk, type?: PmemType): readonly PmemRegion[] {
  return k.pmem.regions(type);
}

/** Whether a region was allocated with pmemAlloc. */
export function isNativePmem(k: Lwk, r: PmemRegion): boolean {
  return state(k).pmem.get(r.start)?.backing.region === r;
}

/** Allocates zeroed, physically contiguous memory that any address space may map. */
export function pmemAlloc(k: Lwk, size: number, o: { align?: number; owner?: number } = {}): PmemRegion {
  const align = o.align ?? 4096;
  if (!(align >= 4096) || (align & (align - 1)) !== 0) throw new LwkError('BAD_ALIGNMENT', `alignment ${align} is not a power of two of at least 4096`);
  const region = k.pmem.alloc(size, 'umem', `native pmem${o.owner ? ` of ${o.owner}` : ''}`, align);
  k.node.memory.fill(region.start, region.size);
  state(k).pmem.set(region.start, { backing: { region, refs: 1 }, owner: o.owner ?? 0 });
  return region;
}

/** Frees a pmemAlloc region; memory still mapped somewhere goes when its last mapping does. */
export function pmemFree(k: Lwk, start: number): void {
  const st = state(k);
  const e = st.pmem.get(start);
  if (!e) throw new LwkError('NOT_ALLOCATED', `0x${start.toString(16)} is not the start of memory from pmem_alloc`);
  st.pmem.delete(start);
  if (--e.backing.refs === 0) k.pmem.freeRegion(e.backing.region);
}

// ---------------------------------------------------------------- address spaces

/** The address space `id` names, seen from `self` (id 0: the caller's own). */
export function aspaceOf(k: Lwk, id: number, self?: Process): Mm {
  if (id === ASPACE_SELF) {
    if (!self) throw new LwkError('NO_SUCH_ASPACE', 'address space 0 means the caller\'s own, and there is no caller');
    return self.mm;
  }
  const st = state(k);
  const c = st.created.get(id);
  if (c) {
    if (c.proc && c.proc.state !== 'live') { st.created.delete(id); throw gone(id); }
    return c.mm;
  }
  const p = k.procs.get(id);
  if (!p || p.state !== 'live') throw gone(id);
  return p.mm;
}

const gone = (id: number) => new LwkError('NO_SUCH_ASPACE', `there is no address space ${id}`);

/** An empty address space (its tasks come from taskCreate); returns its id. */
export function aspaceCreate(k: Lwk, policy: MmPolicy = {}): number {
  const st = state(k);
  const id = st.nextAspace++;
  st.created.set(id, { mm: new Mm(k.mmResources(), `aspace ${id}`, policy) });
  return id;
}

/** Destroys an address space made by aspaceCreate that no task runs in. */
export function aspaceDestroy(k: Lwk, id: number): void {
  const st = state(k);
  const c = st.created.get(id);
  if (!c) throw new LwkError('NO_SUCH_ASPACE', `address space ${id} was not made by aspace_create`);
  if (c.proc?.state === 'live') throw new LwkError('ASPACE_BUSY', `address space ${id} has running tasks`);
  st.created.delete(id);
  if (!c.proc) c.mm.destroy();
}

/** Maps [pa, pa+size) of a pmemAlloc region at `va` in address space `id`. */
export function aspaceMapPmem(k: Lwk, mm: Mm, va: number, pa: number, size: number, prot: Prot): void {
  const r = k.pmem.regionAt(pa);
  const e = r ? state(k).pmem.get(r.start) : undefined;
  if (!r || !e || e.backing.region !== r || pa + size > r.start + r.size) {
    throw new LwkError('NOT_ALLOCATED', `0x${pa.toString(16)}+0x${size.toString(16)} is not inside memory from pmem_alloc`);
  }
  if (va % 4096 || pa % 4096 || size % 4096 || size <= 0) throw new LwkError('BAD_MAPPING', 'addresses and size must be page multiples');
  // 'shared': a forked child maps the same memory, as any task may.
  mm.insert({ va, size, prot, kind: 'shared', name: 'pmem', backing: e.backing, off: pa - r.start });
}

/** SMARTMAP: shows `src`'s first 512 GiB at `va` in `dst`. */
export function smartmap(src: Mm, dst: Mm, va: number): void {
  dst.smartmap(src, va);
}

/** Which cores an address space's tasks may use (undefined: all of the LWK's). */
export function aspaceSetCpus(k: Lwk, mm: Mm, cpus: readonly number[] | undefined): void {
  for (const c of cpus ?? []) k.node.core(c);
  mm.policy = { ...mm.policy, cpus };
}

// ---------------------------------------------------------------- tasks

export interface TaskSpec {
  /** Address space id (0 or undefined: the caller's; without a caller, required). */
  aspace?: number;
  /** Core to run on; undefined: the least loaded one the address space may use. */
  cpu?: number;
  entry: number;
  stack: number;
  /** Passed in RDI. */
  arg?: number;
  /** FS base (thread pointer). */
  tls?: number;
  /** A 32-bit word cleared, and futex-woken, when the task ends (as CLONE_CHILD_CLEARTID). */
  clearTid?: number;
  edf?: { periodNs: number; budgetNs: number };
}

/**
 * A task in an address space, pinned to a core. In a process's space it is one more thread of that
 * process; the first task in a space from aspaceCreate makes a process for it (its parent: `caller`).
 */
export function taskCreate(k: Lwk, spec: TaskSpec, caller?: Thread): Thread {
  const st = state(k);
  const id = spec.aspace ?? ASPACE_SELF;
  const mm = aspaceOf(k, id, caller?.proc);
  const allowed = coresOf(k, mm.policy.cpus);
  if (spec.cpu !== undefined && !allowed.includes(spec.cpu)) {
    throw new LwkError('CORE_NOT_ALLOWED', `core ${spec.cpu} is not one of the cores address space ${id} may use (${allowed.join(',') || 'none'})`);
  }
  const sched = k.placeCore(spec.cpu, mm.policy.cpus);
  let proc: Process;
  const c = st.created.get(id);
  if (c && !c.proc) {
    if (!caller) throw new LwkError('NO_CALLER', 'the first task of a new address space needs a parent task');
    const parent = caller.proc;
    proc = new Process(k.allocId(), parent, mm, parent.files.fork(), parent.exe, `aspace${id}`);
    proc.cwd = parent.cwd;
    parent.children.push(proc);
    k.procs.set(proc.pid, proc);
    c.proc = proc;
  } else {
    proc = c?.proc ?? (id === ASPACE_SELF ? caller!.proc : k.procs.get(id)!);
  }
  const t = new Thread(proc === c?.proc && proc.threads.length === 0 ? proc.pid : k.allocId(), proc, sched);
  const x = t.ctx;
  x.r.fill(0);
  x.rip = spec.entry;
  x.set(4, spec.stack);
  x.set(7, spec.arg ?? 0);
  x.fsBase = spec.tls ?? 0;
  // RFLAGS = 0x202 in the core's lazy-flag encoding, as a program's first thread gets (kernel.load).
  x.r[32] = 1; x.r[33] = 0; x.r[34] = 0; x.r[35] = 0x202;
  if (spec.clearTid) t.clearChildTid = spec.clearTid;
  proc.threads.push(t);
  k.takeCore(sched);
  sched.add(t);
  if (spec.edf) reserve(t, spec.edf);
  return t;
}

/** Finds a live thread by id. */
export function taskById(k: Lwk, tid: number): Thread | undefined {
  for (const p of k.procs.values()) for (const t of p.threads) if (t.tid === tid && t.state !== 'dead') return t;
  return undefined;
}

/** Gives a task an EDF reservation on its core (undefined: round-robin again). */
export function taskSetEdf(t: Thread, r: { periodNs: number; budgetNs: number } | undefined): void {
  reserve(t, r);
}

// ---------------------------------------------------------------- jobs

/** Records a process's rank in its job (launchJob does this). */
export function setRank(k: Lwk, p: Process, info: RankInfo): void {
  state(k).ranks.set(p.pid, info);
}

/** The rank of `p` (or of the rank it descends from). */
export function rankOf(k: Lwk, p: Process | undefined): RankInfo | undefined {
  const ranks = state(k).ranks;
  for (let q = p; q; q = q.parent) { const r = ranks.get(q.pid); if (r) return r; }
  return undefined;
}
