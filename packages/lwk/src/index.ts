// @serval/lwk — a Kitten-like lightweight kernel: owned cores and contiguous memory, eager
// mappings with large pages, one thread per core when cores allow, the Linux syscall ABI for
// static binaries (processes, threads, signals, pipes, files), and a HostOS for the hypervisor.
export { Lwk, STACK_TOP, type LwkOptions, type SpawnOptions } from './kernel.js';
export { Process, Thread, type ExitStatus } from './proc/process.js';
export { SIG, SIG_NAMES } from './signal/signals.js';
export { Pmem, type PmemRegion, type PmemType } from './mm/pmem.js';
export { AddressSpace, PageTablePool, type Prot } from './mm/aspace.js';
export { Mm, type Vma } from './mm/mm.js';
export { MemFs } from './fs/memfs.js';
export { type FileSystem, type FsHandle, type Stat, type DirEntry, O, S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, normalize, fileType } from './fs/types.js';
export { BufferedHostIo, type HostIo } from './host-io.js';
export { LwkError } from './errors.js';
export { E as Errno } from './errno.js';
export { LwkHost } from './hostos.js';
export { SYSCALLS } from './syscalls/table.js';
export { type MmPolicy } from './mm/mm.js';
export { SMARTMAP_SLOT, PAGE_SIZES } from './mm/aspace.js';
export { CoreSched } from './proc/sched.js';
export { type ParallelOptions } from './parallel/runner.js';
export { runCoreWorker } from './parallel/worker.js';
export { type CoreWorkerData } from './parallel/protocol.js';
export { addCore, removeCore, coresOf } from './sched/cores.js';
export { type Reservation, reserve } from './sched/edf.js';
// The LWK-native API (Kitten's pmem/aspace/task calls); the same calls as syscalls: include/serval/lwk.h.
export {
  pmemQuery, pmemAlloc, pmemFree, isNativePmem, aspaceCreate, aspaceDestroy, aspaceOf, aspaceMapPmem, aspaceSetCpus,
  smartmap, taskCreate, taskById, taskSetEdf, setRank, rankOf, type TaskSpec, type RankInfo,
} from './native/api.js';
export { LWK_NR_BASE, LWK_ABI_VERSION, NR as LWK_NR } from './native/abi.js';
export { launchJob, Job, type JobSpec, MAX_SMARTMAP_RANKS } from './job/launch.js';
export { LabelledIo } from './job/labelled-io.js';
export { memFsFromCpio, placeInitrd } from './job/initrd.js';
