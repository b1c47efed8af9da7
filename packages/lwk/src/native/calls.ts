// The LWK-native calls as syscalls (numbers and layouts: abi.ts, include/serval/lwk.h). Each is a
// thin shell over api.ts: arguments in, LwkErrors turned into errno values.
import { E } from '../errno.js';
import { LwkError } from '../errors.js';
import { type Sys, type Syscall, int } from '../syscalls/context.js';
import { addCore, coresOf, removeCore } from '../sched/cores.js';
import {
  ANY_CPU_MIN, LWK_ABI_VERSION, NR, PMEM_FLAG_NATIVE, PMEM_REGION_SIZE, PMEM_TYPES, PROT, SYS_INFO_FIELDS, TASK_SPEC_FIELDS,
} from './abi.js';
import {
  aspaceCreate, aspaceDestroy, aspaceMapPmem, aspaceOf, aspaceSetCpus, isNativePmem, pmemAlloc, pmemFree, pmemQuery, rankOf,
  smartmap, taskById, taskCreate, taskSetEdf,
} from './api.js';

const ERRNO: Record<string, number> = {
  OUT_OF_MEMORY: E.NOMEM, BAD_SIZE: E.INVAL, BAD_ALIGNMENT: E.INVAL, NOT_ALLOCATED: E.INVAL, BAD_MAPPING: E.INVAL,
  NO_SUCH_ASPACE: E.SRCH, ASPACE_BUSY: E.BUSY, CORE_BUSY: E.BUSY, CORE_OFFLINE: E.INVAL, CORE_NOT_ALLOWED: E.INVAL,
  NO_FREE_CORE: E.BUSY, LAST_CORE: E.BUSY, BAD_RESERVATION: E.INVAL, NO_SUCH_CORE: E.INVAL,
};

/** Runs `fn`, turning the errors a caller can cause into -errno. */
function call(fn: () => number): number {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LwkError || (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code in ERRNO)) {
      return -(ERRNO[(e as LwkError).code] ?? E.INVAL);
    }
    throw e;
  }
}

const def = (name: keyof typeof NR, handler: (x: Sys, a: readonly number[]) => number): Syscall => ({ nr: NR[name], name: `lwk_${name}`, handler });

/** Reads a core mask of `bytes` bytes at `va`: the ids of its set bits. */
function readMask(x: Sys, va: number, bytes: number): number[] | undefined {
  const b = x.read(va, Math.min(bytes, 32));
  if (!b) return undefined;
  const ids: number[] = [];
  b.forEach((v, i) => { for (let j = 0; j < 8; j++) if (v & (1 << j)) ids.push(i * 8 + j); });
  return ids;
}

export const sysInfo = def('sys_info', (x, [out]) => {
  const k = x.k, rank = rankOf(k, x.p);
  const v: Record<(typeof SYS_INFO_FIELDS)[number], number> = {
    version: LWK_ABI_VERSION, ncores_node: k.node.cores.length, ncores_lwk: k.online.size, cpu: x.t.sched.core.id,
    mem_total: k.node.memory.size, mem_free: k.pmem.free, rank: rank?.rank ?? 0, nranks: rank?.size ?? 1,
    smartmap_stride: rank?.smartmapStride ?? 0, max_page: x.mm.aspace.maxPage, aspace_id: x.p.pid,
  };
  const b = new Uint8Array(SYS_INFO_FIELDS.length * 8);
  const dv = new DataView(b.buffer);
  SYS_INFO_FIELDS.forEach((f, i) => dv.setBigUint64(i * 8, BigInt(v[f]), true));
  return x.write(out, b) ? 0 : -E.FAULT;
});

export const cpus = def('cpus', (x, [mask, bytes]) => {
  const ids = coresOf(x.k, x.mm.policy.cpus);
  if (mask) {
    const need = Math.ceil((Math.max(...ids, 0) + 1) / 8);
    if (bytes < need) return -E.INVAL;
    const b = new Uint8Array(Math.min(bytes, 32));
    for (const id of ids) b[id >> 3] |= 1 << (id & 7);
    if (!x.write(mask, b)) return -E.FAULT;
  }
  return ids.length;
});

export const pmemQueryCall = def('pmem_query', (x, [typeArg, out, max]) => {
  const type = int(typeArg);
  if (type >= PMEM_TYPES.length || type < -1) return -E.INVAL;
  const list = pmemQuery(x.k, type === -1 ? undefined : PMEM_TYPES[type]);
  const n = Math.min(list.length, max);
  const b = new Uint8Array(n * PMEM_REGION_SIZE);
  const dv = new DataView(b.buffer);
  list.slice(0, n).forEach((r, i) => {
    dv.setBigUint64(i * 24, BigInt(r.start), true);
    dv.setBigUint64(i * 24 + 8, BigInt(r.size), true);
    dv.setUint32(i * 24 + 16, PMEM_TYPES.indexOf(r.type), true);
    dv.setUint32(i * 24 + 20, isNativePmem(x.k, r) ? PMEM_FLAG_NATIVE : 0, true);
  });
  return x.write(out, b) ? list.length : -E.FAULT;
});

export const pmemAllocCall = def('pmem_alloc', (x, [size, align, out]) => call(() => {
  const r = pmemAlloc(x.k, size, { align: align || 4096, owner: x.p.pid });
  if (!x.putU64(out, r.start)) { pmemFree(x.k, r.start); return -E.FAULT; }
  return 0;
}));

export const pmemFreeCall = def('pmem_free', (x, [pa]) => call(() => { pmemFree(x.k, pa); return 0; }));

export const aspaceGetMyid = def('aspace_get_myid', (x) => x.p.pid);

export const aspaceCreateCall = def('aspace_create', (x) => call(() => aspaceCreate(x.k, { cpus: x.mm.policy.cpus, maxPage: x.mm.policy.maxPage })));

export const aspaceDestroyCall = def('aspace_destroy', (x, [id]) => call(() => { aspaceDestroy(x.k, id); return 0; }));

export const aspaceMapPmemCall = def('aspace_map_pmem', (x, [id, va, pa, size, prot]) => call(() => {
  const mm = aspaceOf(x.k, id, x.p);
  if (va + size > 0x800000000000 || va < 0x1000 || !mm.rangeFree(va, size)) return -E.INVAL;
  aspaceMapPmem(x.k, mm, va, pa, size, { read: (prot & 7) !== 0, write: (prot & PROT.WRITE) !== 0, exec: (prot & PROT.EXEC) !== 0 });
  x.k.flushAllTlbs();
  return 0;
}));

export const aspaceUnmap = def('aspace_unmap', (x, [id, va, size]) => call(() => {
  if (va % 4096 || size % 4096 || size === 0 || va + size > 0x800000000000) return -E.INVAL;
  aspaceOf(x.k, id, x.p).removeRange(va, size);
  x.k.flushAllTlbs();
  return 0;
}));

export const aspaceSmartmap = def('aspace_smartmap', (x, [src, dst, va]) => call(() => {
  smartmap(aspaceOf(x.k, src, x.p), aspaceOf(x.k, dst, x.p), va);
  return 0;
}));

export const aspaceUnsmartmap = def('aspace_unsmartmap', (x, [dst, va]) => call(() => {
  aspaceOf(x.k, dst, x.p).unsmartmap(va);
  return 0;
}));

export const aspaceSetCpusCall = def('aspace_set_cpus', (x, [id, mask, bytes]) => call(() => {
  const ids = readMask(x, mask, bytes);
  if (!ids) return -E.FAULT;
  if (!ids.length) return -E.INVAL;
  aspaceSetCpus(x.k, aspaceOf(x.k, id, x.p), ids);
  return 0;
}));

export const taskCreateCall = def('task_create', (x, [specVa]) => call(() => {
  const raw = x.read(specVa, TASK_SPEC_FIELDS.length * 8);
  if (!raw) return -E.FAULT;
  const dv = new DataView(raw.buffer);
  const f = Object.fromEntries(TASK_SPEC_FIELDS.map((n, i) => [n, Number(dv.getBigUint64(i * 8, true))])) as Record<(typeof TASK_SPEC_FIELDS)[number], number>;
  x.t.sched.sync();
  const t = taskCreate(x.k, {
    aspace: f.aspace_id, cpu: f.cpu >= ANY_CPU_MIN ? undefined : f.cpu, entry: f.entry, stack: f.stack, arg: f.arg, tls: f.tls,
    clearTid: f.clear_tid, edf: f.edf_budget_ns ? { periodNs: f.edf_period_ns, budgetNs: f.edf_budget_ns } : undefined,
  }, x.t);
  return t.tid;
}));

export const taskSetEdfCall = def('task_set_edf', (x, [tid, period, budget]) => call(() => {
  const t = tid === 0 ? x.t : taskById(x.k, tid);
  if (!t) return -E.SRCH;
  taskSetEdf(t, budget ? { periodNs: period, budgetNs: budget } : undefined);
  return 0;
}));

export const taskCpu = def('task_cpu', (x) => x.t.sched.core.id);

export const coreAdd = def('core_add', (x, [id]) => call(() => { addCore(x.k, id); return 0; }));

export const coreRemove = def('core_remove', (x, [id]) => call(() => { removeCore(x.k, id, x.t); return 0; }));

export const NATIVE_CALLS: readonly Syscall[] = [
  sysInfo, cpus, pmemQueryCall, pmemAllocCall, pmemFreeCall, aspaceGetMyid, aspaceCreateCall, aspaceDestroyCall,
  aspaceMapPmemCall, aspaceUnmap, aspaceSmartmap, aspaceUnsmartmap, aspaceSetCpusCall, taskCreateCall, taskSetEdfCall,
  taskCpu, coreAdd, coreRemove,
];
