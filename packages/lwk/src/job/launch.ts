// Job launch, as Pisces/Kitten's LAUNCH_JOB does it: N ranks of one program, each its own process
// with its own address space, pinned to its own share of the job's cores, with the job's heap size
// and page-size policy; optionally every rank's space SMARTMAPped into every rank (rank r at
// (r + 1) × 512 GiB). Each rank's output is labelled; the job's status is its worst rank's.
import { LwkError } from '../errors.js';
import type { HostIo } from '../host-io.js';
import type { Lwk } from '../kernel.js';
import { SMARTMAP_SLOT } from '../mm/aspace.js';
import type { Process } from '../proc/process.js';
import { setRank } from '../native/api.js';
import { LabelledIo } from './labelled-io.js';

export interface JobSpec {
  program: Uint8Array;
  /** The program's path (argv[0] unless `argv` says otherwise). */
  path: string;
  argv: string[];
  envp?: string[];
  ranks: number;
  /** The cores the job may use (the LWK's own by default), shared out evenly in order. */
  cores?: readonly number[];
  /** Heap bytes of each rank, allocated and mapped at launch (the usual growing brk when absent). */
  heap?: number;
  /** Largest page size: 4096, 2 MiB or 1 GiB (the default). */
  maxPage?: number;
  smartmap?: boolean;
  io: HostIo;
  /** Label each line with its rank (the default when there is more than one rank). */
  label?: boolean;
}

/** Ranks a SMARTMAP job can have: rank r uses top-level slot r + 1, below the mmap and stack areas. */
export const MAX_SMARTMAP_RANKS = 250;

export class Job {
  constructor(readonly ranks: readonly Process[], private readonly ios: readonly LabelledIo[]) {}

  get ended(): boolean {
    return this.ranks.every((p) => p.state !== 'live');
  }

  /** The worst rank's status as a shell reports it (the highest; 1 for a rank that never ended). */
  get status(): number {
    return Math.max(...this.ranks.map((p) => p.shellStatus ?? 1));
  }

  /** Ends the last unfinished line of every rank. */
  flush(): void {
    for (const io of this.ios) io.flush();
  }
}

export function launchJob(k: Lwk, spec: JobSpec): Job {
  const n = spec.ranks;
  if (!Number.isInteger(n) || n < 1) throw new LwkError('BAD_JOB', `a job has at least one rank, not ${n}`);
  const cores = spec.cores ?? [...k.online].sort((a, b) => a - b);
  for (const c of cores) if (!k.online.has(c)) throw new LwkError('CORE_OFFLINE', `core ${c} does not belong to the LWK`);
  const per = Math.floor(cores.length / n);
  if (per < 1) throw new LwkError('TOO_FEW_CORES', `${n} ranks need ${n} cores, one each; the job has ${cores.length} (${cores.join(',')})`);
  if (spec.smartmap && n > MAX_SMARTMAP_RANKS) throw new LwkError('BAD_JOB', `SMARTMAP jobs have at most ${MAX_SMARTMAP_RANKS} ranks`);
  const label = spec.label ?? n > 1;
  const ranks: Process[] = [], ios: LabelledIo[] = [];
  for (let r = 0; r < n; r++) {
    const mine = cores.slice(r * per, (r + 1) * per);
    const io = new LabelledIo(spec.io, r, label);
    const env = [...(spec.envp ?? []), `SERVAL_RANK=${r}`, `SERVAL_NRANKS=${n}`, `PMI_RANK=${r}`, `PMI_SIZE=${n}`];
    const p = k.spawn(spec.program, {
      argv: spec.argv, envp: env, path: spec.path, core: mine[0], io,
      policy: { cpus: mine, heap: spec.heap, maxPage: spec.maxPage },
    });
    setRank(k, p, { rank: r, size: n, smartmapStride: spec.smartmap ? SMARTMAP_SLOT : 0 });
    ranks.push(p);
    ios.push(io);
  }
  if (spec.smartmap) {
    for (const dst of ranks) ranks.forEach((src, r) => dst.mm.smartmap(src.mm, (r + 1) * SMARTMAP_SLOT));
  }
  return new Job(ranks, ios);
}
