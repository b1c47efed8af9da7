// A node: N cores, one physically contiguous memory, the port and MMIO buses, and the virtual
// clock that orders everything. The node runs its cores in deterministic slices: each slice ends
// at the next device event (or after a quantum), every core runs up to that time in core order,
// then the events fire. Same inputs, same outputs.
import { CpuidModel, PhysicalMemory } from '@serval/x86';
import { MmioBus, PortBus } from './bus.js';
import { VirtualClock } from './clock.js';
import { Core, type CoreConfig } from './core.js';
import { MachineError } from './errors.js';

export interface NodeConfig {
  /** Number of cores, or one entry per core. */
  cores: number | CoreConfig[];
  /** Bytes of physical memory (a multiple of 4 KiB). */
  memory: number;
  /** Default core frequency. */
  freqHz?: number;
  /** The invariant TSC's frequency (the same on every core). */
  tscHz?: number;
  /** Longest slice between synchronizations, in virtual ns. */
  quantumNs?: number;
}

export type RunOutcome =
  | { kind: 'stopped' }
  | { kind: 'done' }
  | { kind: 'time-limit' }
  | { kind: 'deadlock'; reason: string };

export const DEFAULT_FREQ_HZ = 1_000_000_000;

export class Node {
  readonly memory: PhysicalMemory;
  readonly cores: Core[];
  readonly ports = new PortBus();
  readonly mmio = new MmioBus();
  readonly clock = new VirtualClock();
  readonly tscHz: number;
  quantumNs: number;

  constructor(cfg: NodeConfig) {
    const list: CoreConfig[] = typeof cfg.cores === 'number' ? Array.from({ length: cfg.cores }, () => ({})) : cfg.cores;
    if (list.length < 1 || list.length > 256) throw new MachineError('BAD_CORE_COUNT', `a node has 1 to 256 cores, not ${list.length}`);
    this.memory = new PhysicalMemory(cfg.memory);
    this.tscHz = cfg.tscHz ?? cfg.freqHz ?? DEFAULT_FREQ_HZ;
    this.quantumNs = cfg.quantumNs ?? 1_000_000;
    const cpuid = CpuidModel.baseline({ cores: list.length, tscHz: this.tscHz });
    this.cores = list.map((c, i) => {
      const f = c.freqHz ?? cfg.freqHz ?? DEFAULT_FREQ_HZ;
      if (!(f > 0)) throw new MachineError('BAD_FREQUENCY', `core ${i}: frequency ${f} Hz is not positive`);
      return new Core(i, this.memory, f, this.tscHz, cpuid);
    });
  }

  core(id: number): Core {
    const c = this.cores[id];
    if (!c) throw new MachineError('NO_SUCH_CORE', `core ${id} does not exist (the node has ${this.cores.length})`);
    return c;
  }

  /**
   * Runs every core that has a driver until `stop()` holds, all drivers are done, virtual time
   * reaches `untilNs`, or nothing can ever run again (all idle, no event pending).
   */
  run(opts: { stop?: () => boolean; untilNs?: number } = {}): RunOutcome {
    const until = opts.untilNs ?? Infinity;
    for (;;) {
      if (opts.stop?.()) return { kind: 'stopped' };
      const active = this.cores.filter((c) => c.driver !== undefined);
      if (active.length === 0) return { kind: 'done' };
      const now = this.clock.now;
      if (now >= until) return { kind: 'time-limit' };
      const end = Math.min(this.clock.nextEventTime(), now + this.quantumNs, until);
      let allIdle = true;
      for (const core of active) {
        core.beginSlice(now);
        const r = core.driver!.runSlice(core, core.budgetFor(Math.max(end - now, 1)));
        if (r === 'done') core.driver = undefined;
        if (r === 'ran') allIdle = false;
        if (opts.stop?.()) { this.clock.advanceTo(Math.max(now, Math.min(end, core.localTimeNs()))); return { kind: 'stopped' }; }
      }
      if (allIdle && this.cores.some((c) => c.driver !== undefined)) {
        const next = this.clock.nextEventTime();
        if (next === Infinity) return { kind: 'deadlock', reason: 'every core is idle and no event is pending' };
        this.clock.advanceTo(Math.min(next, until));
        continue;
      }
      this.clock.advanceTo(Math.max(end, now));
    }
  }
}
