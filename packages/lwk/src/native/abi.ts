// The numbers and layouts of the LWK-native calls (include/serval/lwk.h is the C side; keep them
// in step). The calls live at 0x4c570000 ("LW" in the top half) and up, far from Linux's numbers:
// bit 30 is Linux's x32 marker, and no x32 call has these numbers, so on Linux every native call
// fails with -ENOSYS and a runtime can tell where it runs.
import type { PmemType } from '../mm/pmem.js';

export const LWK_NR_BASE = 0x4c570000;
export const LWK_ABI_VERSION = 1;

export const NR = {
  sys_info: LWK_NR_BASE + 0,
  cpus: LWK_NR_BASE + 1,
  pmem_query: LWK_NR_BASE + 2,
  pmem_alloc: LWK_NR_BASE + 3,
  pmem_free: LWK_NR_BASE + 4,
  aspace_get_myid: LWK_NR_BASE + 5,
  aspace_create: LWK_NR_BASE + 6,
  aspace_destroy: LWK_NR_BASE + 7,
  aspace_map_pmem: LWK_NR_BASE + 8,
  aspace_unmap: LWK_NR_BASE + 9,
  aspace_smartmap: LWK_NR_BASE + 10,
  aspace_unsmartmap: LWK_NR_BASE + 11,
  aspace_set_cpus: LWK_NR_BASE + 12,
  task_create: LWK_NR_BASE + 13,
  task_set_edf: LWK_NR_BASE + 14,
  task_cpu: LWK_NR_BASE + 15,
  core_add: LWK_NR_BASE + 16,
  core_remove: LWK_NR_BASE + 17,
} as const;

/** Physical memory types as numbers (LWK_PMEM_* in the header). */
export const PMEM_TYPES: readonly PmemType[] = ['free', 'kernel', 'pagetables', 'umem', 'initrd', 'vm'];

/** struct lwk_sys_info: eleven uint64_t fields, in this order. */
export const SYS_INFO_FIELDS = [
  'version', 'ncores_node', 'ncores_lwk', 'cpu', 'mem_total', 'mem_free',
  'rank', 'nranks', 'smartmap_stride', 'max_page', 'aspace_id',
] as const;

/** struct lwk_pmem_region: start, size (uint64_t), type, flags (uint32_t). */
export const PMEM_REGION_SIZE = 24;
/** lwk_pmem_region.flags: the region was allocated with lwk_pmem_alloc (any task may map it). */
export const PMEM_FLAG_NATIVE = 1;

/** struct lwk_task_spec: nine uint64_t fields, in this order. */
export const TASK_SPEC_FIELDS = [
  'aspace_id', 'cpu', 'entry', 'stack', 'arg', 'tls', 'clear_tid', 'edf_period_ns', 'edf_budget_ns',
] as const;

/** Protection bits of lwk_aspace_map_pmem (the same as mmap's PROT_*). */
export const PROT = { READ: 1, WRITE: 2, EXEC: 4 } as const;

/** Aspace id 0 names the caller's own address space. */
export const ASPACE_SELF = 0;
/** Ids of address spaces made by lwk_aspace_create start here (process ids name their own). */
export const ASPACE_CREATED_BASE = 0x100000;
/** lwk_task_spec.cpu at or above this (e.g. -1): any core the address space may use. */
export const ANY_CPU_MIN = 2 ** 32;
