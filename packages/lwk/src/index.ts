// @serval/lwk — a Kitten-like lightweight kernel: owned cores and contiguous memory, eager
// mappings with large pages, one task per core, the Linux syscall ABI for static binaries.
export { Lwk, SIG, type LwkOptions, type SpawnOptions } from './kernel.js';
export { Task, type TaskEnd } from './task.js';
export { Pmem, type PmemRegion, type PmemType } from './pmem.js';
export { AddressSpace, PageTablePool, type Mapping, type Prot } from './aspace.js';
export { BufferedHostIo, type HostIo } from './host-io.js';
export { LwkError } from './errors.js';
export { E as Errno } from './errno.js';
export { LwkHost } from './hostos.js';
