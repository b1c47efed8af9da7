// A virtual CPU: a leased core running guest code, and the exit loop that services it. Exits go
// through one dispatch on the exit's kind; port and MMIO accesses reach the VM's buses and
// complete the instruction.
import { LocalApic } from '@serval/devices';
import type { Core, CoreDriver, SliceResult } from '@serval/machine';
import { type CpuidModel, type Exit, type PhysMap, VEC, hex } from '@serval/x86';
import { MSR_ARCH_CAPABILITIES, archCapabilities } from './arch-capabilities.js';
import { initCpu, startupCpu } from './smp/startup.js';
import type { Vm } from './vm.js';

/** Where a vCPU's external interrupts come from (the 8259 pair now, the local APIC later). */
export interface InterruptSource {
  /** An interrupt is waiting for the CPU (INTR is asserted). */
  pending(): boolean;
  /** The interrupt-acknowledge cycle: the vector to deliver. */
  acknowledge(): number;
}

export class Vcpu implements CoreDriver {
  /** External interrupts for this vCPU, if the VM has a controller wired to it. */
  interrupts: InterruptSource | undefined;
  /** Waiting in HLT for an interrupt (or, for an AP, for its start-up). */
  halted = false;
  parked = false;
  /** The core's instruction count when the VM was created (or last reset). */
  startIcount: number;
  private readonly hostTsc: () => number;

  constructor(readonly vm: Vm, readonly index: number, readonly core: Core, physMap: PhysMap, cpuid: CpuidModel, freqHz?: number) {
    const cpu = core.cpu;
    cpu.physMap = physMap;
    cpu.cpuidModel = cpuid;
    cpu.apicId = index;
    cpu.flushTlb();
    cpu.invalidateCode();
    cpu.intercepts = {
      syscall: false, io: true, cpuid: false, msr: true, allMsrs: false, hlt: true, vmcall: true,
      exceptions: 0, interruptWindow: false,
    };
    if (freqHz) core.freqHz = freqHz;
    // The guest's TSC counts guest time at the VM's TSC frequency.
    this.hostTsc = cpu.tscSource;
    cpu.tscSource = () => vm.guestTsc(this);
    this.startIcount = cpu.icount;
    // The VM's port devices run inside the core (as KVM keeps the PIC and PIT in the kernel):
    // no exit per IN/OUT. A device that stops the VM ends the run at once.
    cpu.portIo = {
      claims: () => true,
      read: (port, size) => vm.ports.read(port, size as 1 | 2 | 4),
      write: (port, size, value) => {
        vm.ports.write(port, size as 1 | 2 | 4, value);
        if (vm.state !== 'running') cpu.requestExit();
      },
    };
  }

  /** Counts instructions from now on, as for a new vCPU (a reset VM). */
  resetCounts(): void {
    this.startIcount = this.core.cpu.icount;
  }

  /** Gives the core its host's TSC back (the VM is done with it). */
  restoreHostTsc(): void {
    this.core.cpu.tscSource = this.hostTsc;
  }

  attach(): void {
    this.core.driver = this;
  }

  detach(): void {
    if (this.core.driver === this) this.core.driver = undefined;
  }

  /**
   * Offers a pending external interrupt to the guest: injected at once when it can take it,
   * otherwise the core is asked to exit as soon as it can (an interrupt window), as a VMM does.
   */
  private offerInterrupt(): void {
    const src = this.interrupts;
    const cpu = this.core.cpu;
    if (this.apicEvents() || this.parked) return;
    if (!src || !src.pending()) { cpu.intercepts.interruptWindow = false; return; }
    if (cpu.interruptsEnabled) {
      cpu.intercepts.interruptWindow = false;
      cpu.injectInterrupt(src.acknowledge());
      this.halted = false;
    } else {
      cpu.intercepts.interruptWindow = true;
    }
  }

  runSlice(core: Core, budget: number): SliceResult {
    this.vm.running = this;
    try {
      return this.slice(core, budget);
    } finally {
      this.vm.running = undefined;
    }
  }

  /** The vCPU's local APIC, when the VM has them (it is also the interrupt source). */
  get lapic(): LocalApic | undefined {
    return this.interrupts instanceof LocalApic ? this.interrupts : undefined;
  }

  /**
   * Takes INIT, start-up and NMI messages from the local APIC: INIT resets the CPU to wait for a
   * start-up IPI (parked), which starts it in real mode; an NMI is injected ahead of any external
   * interrupt (returns true then, as the injection slot is taken).
   */
  private apicEvents(): boolean {
    const l = this.lapic;
    if (!l) return false;
    const cpu = this.core.cpu;
    if (l.takeInit()) { initCpu(cpu); this.halted = false; }
    const v = l.takeStartup();
    if (v >= 0) startupCpu(cpu, v);
    this.parked = l.waitingForStartup;
    if (this.parked || !l.takeNmi()) return false;
    cpu.injectException(VEC.NMI);
    this.halted = false;
    return true;
  }

  private slice(core: Core, budget: number): SliceResult {
    const vm = this.vm;
    if (vm.state !== 'running') return 'done';
    const cpu = core.cpu;
    this.offerInterrupt();
    if (this.parked || this.halted) return 'idle';
    // A vCPU that ran at all this slice reports 'ran' even if it halted at the end: it may have
    // sent an IPI to a vCPU that already had its turn, and the node must not skip time past it.
    const start = cpu.icount;
    const lapic = this.lapic;
    let left = budget;
    while (left > 0) {
      const before = cpu.icount;
      const x = cpu.run(left);
      left -= cpu.icount - before;
      if (x.kind === 'budget') return 'ran';
      vm.countExit(x.kind);
      const ipis = lapic?.ipisToOthers ?? 0;
      this.handle(x);
      if (vm.state !== 'running') return 'done';
      // After an IPI to another vCPU, end the slice: the target takes it on its next turn instead
      // of this vCPU spinning out the rest of the slice waiting for the answer.
      if (lapic && lapic.ipisToOthers !== ipis) return 'ran';
      this.offerInterrupt();
      if (this.parked || this.halted) return cpu.icount !== start ? 'ran' : 'idle';
    }
    return 'ran';
  }

  private handle(x: Exit): void {
    const vm = this.vm;
    const cpu = this.core.cpu;
    switch (x.kind) {
      case 'io':
        if (x.write) { vm.ports.write(x.port, x.size, x.value); cpu.complete(0); } else cpu.complete(vm.ports.read(x.port, x.size));
        return;
      case 'mmio':
        if (x.write) { vm.mmio.write(x.gpa, x.size, x.value, x.valueHi); cpu.complete(0); } else cpu.complete(vm.mmio.read(x.gpa, x.size));
        return;
      case 'hlt':
        if (!cpu.interruptsEnabled && !this.interrupts) {
          vm.fail(`vCPU ${this.index} halted with interrupts disabled at ${hex(x.rip)}: it can never wake up`);
          return;
        }
        this.halted = true;
        return;
      case 'interrupt-window':
        return;
      case 'msr':
        if (x.msr === MSR_ARCH_CAPABILITIES && !x.write) {
          const [lo, hi] = archCapabilities();
          cpu.state.set32(0, lo);
          cpu.state.set32(2, hi);
          return;
        }
        // MSRs the core does not implement do not exist on this virtual CPU (nor may read-only ones be written).
        cpu.state.rip = x.rip;
        cpu.injectException(VEC.GP, 0);
        return;
      case 'vmcall': {
        // RAX's low half is the number; RBX, RCX, RDX, RSI the arguments, as unsigned values.
        const st = cpu.state, r = st.r;
        const u = (i: number) => (r[2 * i + 1] >>> 0) * 4294967296 + (r[2 * i] >>> 0);
        st.set64(0, vm.hypercalls.dispatch(r[0] >>> 0, { vcpu: this.index, args: [u(3), u(1), u(2), u(6)] }));
        return;
      }
      case 'triple-fault':
        vm.fail(`vCPU ${this.index} triple-faulted at ${hex(x.rip)} (${x.reason})`);
        return;
      case 'unimplemented':
        vm.fail(`vCPU ${this.index} executed an instruction Serval does not implement: ${x.what} at ${hex(x.rip)}`);
        return;
      default:
        vm.fail(`vCPU ${this.index}: unexpected ${x.kind} exit`);
    }
  }
}
