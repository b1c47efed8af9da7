// A task: one program on one core, with its address space, open files and heap.
import type { Core } from '@serval/machine';
import type { AddressSpace } from './aspace.js';
import type { FdTable } from './files.js';
import type { LoadedImage } from './image.js';
import type { PmemRegion } from './pmem.js';

export type TaskEnd =
  | { kind: 'exited'; code: number }
  | { kind: 'killed'; signal: number; reason: string };

export class Task {
  /** Current program break and the reserved range it may move in. */
  brk: number;
  readonly brkStart: number;
  readonly brkLimit: number;
  /** Next free address for anonymous mappings, allocated downwards. */
  mmapBottom: number;
  /** Physical regions owned by the task, freed when it ends. */
  readonly regions: PmemRegion[] = [];
  end: TaskEnd | undefined;
  clearChildTid = 0;
  /** Syscalls reported as unimplemented (each once). */
  readonly reported = new Set<string>();

  constructor(
    readonly pid: number,
    readonly name: string,
    readonly path: string,
    readonly core: Core,
    readonly aspace: AddressSpace,
    readonly image: LoadedImage,
    readonly files: FdTable,
    heap: { start: number; limit: number },
    mmapTop: number,
  ) {
    this.brkStart = heap.start;
    this.brk = heap.start;
    this.brkLimit = heap.limit;
    this.mmapBottom = mmapTop;
  }

  /** The exit status a shell would see: the code, or 128 + signal. */
  get status(): number | undefined {
    if (!this.end) return undefined;
    return this.end.kind === 'exited' ? this.end.code & 0xff : 128 + this.end.signal;
  }
}
