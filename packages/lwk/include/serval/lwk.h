/*
 * serval/lwk.h: the LWK-native calls of Serval's lightweight kernel, for runtimes that place their
 * own work (Kitten's pmem/aspace/task calls). Header only: each call is an inline SYSCALL, so it
 * works with or without a C library (gcc -static -nostdlib is fine).
 *
 * The calls are numbered from LWK_NR_BASE (0x4c570000), apart from Linux's. On Linux itself they
 * all return -ENOSYS (bit 30 marks x32 calls there, and none has these numbers): call
 * lwk_sys_info() first to learn whether the LWK is underneath.
 *
 * Every call returns a non-negative value on success and -errno on failure, as raw syscalls do.
 * docs/LWK-NATIVE.md describes each call; packages/lwk/src/native/abi.ts is the kernel's side.
 */
#ifndef SERVAL_LWK_H
#define SERVAL_LWK_H

#include <stdint.h>

#define LWK_NR_BASE 0x4c570000L
#define LWK_ABI_VERSION 1

#define LWK_NR_SYS_INFO          (LWK_NR_BASE + 0)
#define LWK_NR_CPUS              (LWK_NR_BASE + 1)
#define LWK_NR_PMEM_QUERY        (LWK_NR_BASE + 2)
#define LWK_NR_PMEM_ALLOC        (LWK_NR_BASE + 3)
#define LWK_NR_PMEM_FREE         (LWK_NR_BASE + 4)
#define LWK_NR_ASPACE_GET_MYID   (LWK_NR_BASE + 5)
#define LWK_NR_ASPACE_CREATE     (LWK_NR_BASE + 6)
#define LWK_NR_ASPACE_DESTROY    (LWK_NR_BASE + 7)
#define LWK_NR_ASPACE_MAP_PMEM   (LWK_NR_BASE + 8)
#define LWK_NR_ASPACE_UNMAP      (LWK_NR_BASE + 9)
#define LWK_NR_ASPACE_SMARTMAP   (LWK_NR_BASE + 10)
#define LWK_NR_ASPACE_UNSMARTMAP (LWK_NR_BASE + 11)
#define LWK_NR_ASPACE_SET_CPUS   (LWK_NR_BASE + 12)
#define LWK_NR_TASK_CREATE       (LWK_NR_BASE + 13)
#define LWK_NR_TASK_SET_EDF      (LWK_NR_BASE + 14)
#define LWK_NR_TASK_CPU          (LWK_NR_BASE + 15)
#define LWK_NR_CORE_ADD          (LWK_NR_BASE + 16)
#define LWK_NR_CORE_REMOVE       (LWK_NR_BASE + 17)

/* Physical memory types (lwk_pmem_region.type, and the filter of lwk_pmem_query; -1: all). */
#define LWK_PMEM_ANY        (-1)
#define LWK_PMEM_FREE       0
#define LWK_PMEM_KERNEL     1
#define LWK_PMEM_PAGETABLES 2
#define LWK_PMEM_UMEM       3
#define LWK_PMEM_INITRD     4
#define LWK_PMEM_VM         5

/* lwk_pmem_region.flags: allocated with lwk_pmem_alloc, so any address space may map it. */
#define LWK_PMEM_FLAG_NATIVE 1

#define LWK_PROT_READ  1
#define LWK_PROT_WRITE 2
#define LWK_PROT_EXEC  4

/* Address space 0 is the caller's own; spaces from lwk_aspace_create have ids from 0x100000. */
#define LWK_ASPACE_SELF 0
/* lwk_task_spec.cpu: any core the address space may use. */
#define LWK_ANY_CPU ((uint64_t)-1)
/* SMARTMAP shares whole top-level page-table slots: 512 GiB each. */
#define LWK_SMARTMAP_SLOT (1ULL << 39)

struct lwk_sys_info {
  uint64_t version;         /* LWK_ABI_VERSION */
  uint64_t ncores_node;     /* cores of the node */
  uint64_t ncores_lwk;      /* cores the LWK owns now */
  uint64_t cpu;             /* the caller's core */
  uint64_t mem_total;       /* bytes of physical memory */
  uint64_t mem_free;        /* bytes not allocated */
  uint64_t rank;            /* rank of the caller's job (0 outside a job) */
  uint64_t nranks;          /* ranks in the job (1 outside a job) */
  uint64_t smartmap_stride; /* rank r's space is at (r + 1) * stride in every rank; 0: no SMARTMAP */
  uint64_t max_page;        /* largest page size the job's memory uses */
  uint64_t aspace_id;       /* the caller's address space */
};

struct lwk_pmem_region {
  uint64_t start;
  uint64_t size;
  uint32_t type;  /* LWK_PMEM_* */
  uint32_t flags; /* LWK_PMEM_FLAG_* */
};

struct lwk_task_spec {
  uint64_t aspace_id;     /* LWK_ASPACE_SELF, a process id, or an id from lwk_aspace_create */
  uint64_t cpu;           /* a core id, or LWK_ANY_CPU */
  uint64_t entry;         /* where the task starts */
  uint64_t stack;         /* its initial RSP (16-byte aligned, minus 8 as after a call) */
  uint64_t arg;           /* passed in RDI */
  uint64_t tls;           /* FS base; 0 for none */
  uint64_t clear_tid;     /* address of a 32-bit word zeroed and futex-woken when the task exits; or 0 */
  uint64_t edf_period_ns; /* with edf_budget_ns != 0: an EDF reservation on its core */
  uint64_t edf_budget_ns;
};

static inline long lwk_syscall3(long nr, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

static inline long lwk_syscall5(long nr, long a, long b, long c, long d, long e) {
  long r;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
  return r;
}

/* The machine and the caller's place in it; -ENOSYS when not on the LWK. */
static inline long lwk_sys_info(struct lwk_sys_info *out) { return lwk_syscall3(LWK_NR_SYS_INFO, (long)out, 0, 0); }
/* Cores the caller's address space may use, as a bit mask of `bytes` bytes (may be NULL); returns how many. */
static inline long lwk_cpus(uint8_t *mask, unsigned long bytes) { return lwk_syscall3(LWK_NR_CPUS, (long)mask, (long)bytes, 0); }
/* Regions of physical memory of one type (or LWK_PMEM_ANY), up to `max`; returns how many there are. */
static inline long lwk_pmem_query(int type, struct lwk_pmem_region *out, unsigned long max) { return lwk_syscall3(LWK_NR_PMEM_QUERY, type, (long)out, (long)max); }
/* Zeroed, physically contiguous memory; its physical address goes to *paddr. */
static inline long lwk_pmem_alloc(uint64_t size, uint64_t align, uint64_t *paddr) { return lwk_syscall3(LWK_NR_PMEM_ALLOC, (long)size, (long)align, (long)paddr); }
static inline long lwk_pmem_free(uint64_t paddr) { return lwk_syscall3(LWK_NR_PMEM_FREE, (long)paddr, 0, 0); }
static inline long lwk_aspace_get_myid(void) { return lwk_syscall3(LWK_NR_ASPACE_GET_MYID, 0, 0, 0); }
/* An empty address space, with the caller's cores and page sizes; returns its id. */
static inline long lwk_aspace_create(void) { return lwk_syscall3(LWK_NR_ASPACE_CREATE, 0, 0, 0); }
static inline long lwk_aspace_destroy(long id) { return lwk_syscall3(LWK_NR_ASPACE_DESTROY, id, 0, 0); }
/* Maps [paddr, paddr+size) of memory from lwk_pmem_alloc at vaddr (which must be free) in space `id`. */
static inline long lwk_aspace_map_pmem(long id, uint64_t vaddr, uint64_t paddr, uint64_t size, int prot) {
  return lwk_syscall5(LWK_NR_ASPACE_MAP_PMEM, id, (long)vaddr, (long)paddr, (long)size, prot);
}
static inline long lwk_aspace_unmap(long id, uint64_t vaddr, uint64_t size) { return lwk_syscall3(LWK_NR_ASPACE_UNMAP, id, (long)vaddr, (long)size); }
/* SMARTMAP: the first 512 GiB of space `src` appear at vaddr (a multiple of 512 GiB) in space `dst`. */
static inline long lwk_aspace_smartmap(long src, long dst, uint64_t vaddr) { return lwk_syscall3(LWK_NR_ASPACE_SMARTMAP, src, dst, (long)vaddr); }
static inline long lwk_aspace_unsmartmap(long dst, uint64_t vaddr) { return lwk_syscall3(LWK_NR_ASPACE_UNSMARTMAP, dst, (long)vaddr, 0); }
/* Which cores the tasks of space `id` may use. */
static inline long lwk_aspace_set_cpus(long id, const uint8_t *mask, unsigned long bytes) { return lwk_syscall3(LWK_NR_ASPACE_SET_CPUS, id, (long)mask, (long)bytes); }
/* A task pinned to a core; returns its id. It ends with the exit syscall (60), not exit_group. */
static inline long lwk_task_create(const struct lwk_task_spec *spec) { return lwk_syscall3(LWK_NR_TASK_CREATE, (long)spec, 0, 0); }
/* An EDF reservation for task `tid` (0: the caller) on its core; budget 0 drops it. */
static inline long lwk_task_set_edf(long tid, uint64_t period_ns, uint64_t budget_ns) { return lwk_syscall3(LWK_NR_TASK_SET_EDF, tid, (long)period_ns, (long)budget_ns); }
/* The core the caller runs on. */
static inline long lwk_task_cpu(void) { return lwk_syscall3(LWK_NR_TASK_CPU, 0, 0, 0); }
/* Core hot add and remove (a removed core's tasks move to the least loaded core they may use). */
static inline long lwk_core_add(long id) { return lwk_syscall3(LWK_NR_CORE_ADD, id, 0, 0); }
static inline long lwk_core_remove(long id) { return lwk_syscall3(LWK_NR_CORE_REMOVE, id, 0, 0); }

#endif
