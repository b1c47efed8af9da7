// A core of the node: an x86 CPU with its own clock frequency. Its owner (the LWK's scheduler or a
// hypervisor vCPU loop) installs a driver; the node calls it with instruction budgets that keep
// every core in step with the global virtual clock.
import { Cpu, type CpuidModel, type PhysicalMemory } from '@serval/x86';

export type SliceResult = 'ran' | 'idle' | 'done';

export interface CoreDriver {
  /**
   * Runs the core for at most `budget` instructions. 'idle': nothing to do until an event (the
   * core halted); 'done': the owner has finished with the core for good.
   */
  runSlice(core: Core, budget: number): SliceResult;
}

export interface CoreConfig {
  /** Clock frequency in Hz (instructions per second at one instruction per cycle). */
  freqHz?: number;
}

export class Core {
  readonly cpu: Cpu;
  driver: CoreDriver | undefined;
  /** Set by the node while the core belongs to a host (LWK task, VM) and not to the node. */
  owner: string | undefined;
  private sliceStartNs = 0;
  private sliceStartIcount = 0;

  constructor(readonly id: number, memory: PhysicalMemory, public freqHz: number, private readonly tscHz: number, cpuid: CpuidModel) {
    this.cpu = new Cpu({ memory, apicId: id, cpuid, tsc: () => this.tsc() });
  }

  /** Marks the start of a slice at global time `now`. */
  beginSlice(now: number): void {
    this.sliceStartNs = now;
    this.sliceStartIcount = this.cpu.icount;
  }

  /** This core's own notion of now: the slice start plus what it has executed since. */
  localTimeNs(): number {
    return this.sliceStartNs + ((this.cpu.icount - this.sliceStartIcount) * 1e9) / this.freqHz;
  }

  /** Instructions this core executes in `ns` of virtual time. */
  budgetFor(ns: number): number {
    return Math.max(1, Math.round((ns * this.freqHz) / 1e9));
  }

  tsc(): number {
    return Math.floor((this.localTimeNs() * this.tscHz) / 1e9);
  }
}
