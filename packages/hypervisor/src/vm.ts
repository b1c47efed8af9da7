// A virtual machine: its lifecycle (a state machine that refuses illegal transitions), its
// resources (cores and contiguous memory leased from the host), its devices and buses, and the
// record of why it stopped.
import type { Device } from '@serval/devices';
import { DEFAULT_FREQ_HZ, MmioBus, PortBus, type VirtualClock } from '@serval/machine';
import { CPUID81_EDX, CpuidModel, RegionMap } from '@serval/x86';
import { GuestClock } from './checkpoint/guest-clock.js';
import { loadCheckpointFile, saveCheckpointFile } from './checkpoint/host-file.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint/snapshot.js';
import { transferVcpu } from './checkpoint/transfer.js';
import type { VmConfig } from './config/vm-config.js';
import { type Attached, attachDevices } from './devices/attach.js';
import { CPUID7_EDX_ARCH_CAPABILITIES } from './arch-capabilities.js';
import { installFirmware } from './firmware/platform.js';
import { HypervisorError, VmStateError } from './errors.js';
import { HypercallRegistry, registerHostServices } from './hypercall/index.js';
import type { CoreLease, HostOS, MemoryBlock, NetPort } from './host.js';
import { bootKernel } from './loader/boot.js';
import type { GuestMemory } from './loader/elf64.js';
import { PowerOnState } from './power-on.js';
import { APIC_BASE_MSR_AP } from './smp/startup.js';
import { DilatedClock, tscAt } from './time/dilated-clock.js';
import { type InterruptSource, Vcpu } from './vcpu.js';

export type VmState = 'created' | 'running' | 'paused' | 'stopped' | 'freed';

export type StopReason =
  | { kind: 'guest-exit'; status: number }
  | { kind: 'reset' }
  | { kind: 'requested' }
  | { kind: 'error'; message: string };

/** Palacios's VM operations and the states each may start from. */
export const VM_TRANSITIONS = {
  launch: ['created'],
  pause: ['running'],
  resume: ['paused'],
  /** Stopping a stopped VM does nothing (the first stop's reason stays). */
  stop: ['running', 'paused', 'stopped'],
  reset: ['created', 'running', 'paused', 'stopped'],
  simulate: ['created', 'running', 'paused'],
  free: ['created', 'stopped'],
} as const satisfies Record<string, readonly VmState[]>;
export type VmAction = keyof typeof VM_TRANSITIONS;

/**
 * 'auto' boots through multiboot when the image has a multiboot header it can be loaded by: a
 * flat image with address fields, or anything but an ELF64 (which multiboot cannot load and
 * which keeps its 64-bit direct boot).
 */
export class Vm {
  state: VmState = 'created';
  stopReason: StopReason | undefined;
  readonly ports = new PortBus();
  readonly mmio = new MmioBus();
  readonly devices: Device[];
  /** The vCPU whose core is running right now (devices read time through it). */
  running: Vcpu | undefined;
  readonly vcpus: Vcpu[];
  readonly memory: GuestMemory;
  private interrupts: InterruptSource | undefined;
  private readonly attached: Attached;
  private readonly cpuSignature: { signature: number; features: number };
  private readonly powerOn: PowerOnState;
  private readonly leases: CoreLease[];
  private readonly block: MemoryBlock;
  private readonly netPorts: NetPort[] = [];
  /** Exits handled, by kind (telemetry). */
  readonly exitCounts = new Map<string, number>();
  /** The VM's time: the host's, shifted when a checkpoint is restored later than it was saved. */
  readonly clock: GuestClock;
  /** The guest's clocks run at this factor × virtual time (config time.dilation). */
  readonly dilation: number;
  /** The guest TSC's frequency (config time.tscFreq, default vCPU 0's clock). */
  readonly tscHz: number;
  /** VMCALL services: the host services of hypercall/ and whatever extensions register. */
  readonly hypercalls = new HypercallRegistry();

  constructor(readonly id: number, readonly config: VmConfig, private readonly host: HostOS) {
    this.clock = new GuestClock(host.clock);
    this.dilation = config.time.dilation;
    this.tscHz = config.time.tscFreq ?? config.cores[0].freq ?? DEFAULT_FREQ_HZ;
    const deviceClock: VirtualClock = this.dilation === 1 ? this.clock : new DilatedClock(this.clock, this.dilation);
    const hostCores = config.cores.map((c) => c.hostCore);
    const explicit = hostCores.every((c) => c !== undefined) ? (hostCores as number[]) : undefined;
    this.leases = host.acquireCores(config.cores.length, explicit);
    try {
      this.block = host.allocateMemory(config.memory, 2 * 1024 * 1024);
    } catch (e) {
      for (const l of this.leases) l.release();
      throw e;
    }
    this.memory = { mem: host.memory, hostBase: this.block.hpa, size: config.memory };
    host.memory.fill(this.block.hpa, config.memory);
    try {
      const attached = attachDevices(config.devices, {
        vmName: config.name, ports: this.ports, mmio: this.mmio, clock: deviceClock, memory: config.memory,
        cores: config.cores.length, currentCpu: () => this.running?.index ?? 0,
        now: () => this.guestNs(this.running?.core.localTimeNs() ?? host.clock.now),
        console: (n) => host.console(n),
        ram: this.memory,
        openDisk: (path, readonly) => {
          if (!host.openDisk) throw new HypervisorError('NO_DISKS', `host ${host.name} cannot open files as disks`);
          return host.openDisk(path, { readonly });
        },
        netPort: (network, name) => {
          if (!host.netPort) throw new HypervisorError('NO_NETWORK', `host ${host.name} has no networks for ${name}`);
          const p = host.netPort(network, name);
          this.netPorts.push(p);
          return p;
        },
        guestExit: (status) => this.stop({ kind: 'guest-exit', status }),
        guestReset: () => this.stop({ kind: 'reset' }),
        powerOff: () => this.stop({ kind: 'guest-exit', status: 0 }),
        log: (m) => host.log('info', `VM "${config.name}": ${m}`),
      });
      this.devices = attached.devices;
      this.interrupts = attached.interrupts;
      const physMap = new RegionMap([{ gpa: 0, hpa: this.block.hpa, size: config.memory }]);
      const cpuid = CpuidModel.baseline({ cores: config.cores.length, brand: 'Serval virtual CPU (hypervisor)', tscHz: this.tscHz });
      // The MMU maps 1 GiB pages; a guest may only use them when CPUID says so (the config may
      // still say otherwise).
      const [a, b, c, d] = cpuid.get(0x80000001, 0, 0);
      cpuid.set(0x80000001, [a, b, c, d | CPUID81_EDX.PDPE1GB]);
      const [a7, b7, c7, d7] = cpuid.get(7, 0, 0);
      cpuid.set(7, [a7, b7, c7, d7 | CPUID7_EDX_ARCH_CAPABILITIES], 0);
      for (const l of config.cpuid) cpuid.set(l.leaf, [l.eax, l.ebx, l.ecx, l.edx], l.subleaf);
      this.vcpus = this.leases.map((l, i) => new Vcpu(this, i, l.core, physMap, cpuid, config.cores[i].freq));
      this.wireInterrupts(attached);
      this.registerHostServices();
      this.attached = attached;
      const [signature, , , features] = cpuid.get(1, 0, 0);
      this.cpuSignature = { signature, features };
      this.powerOn = new PowerOnState(this);
      this.loadKernel(installFirmware(attached, this.memory, this.cpuSignature));
    } catch (e) {
      this.release();
      throw e;
    }
  }

  /**
   * Without local APICs the 8259 pair delivers to the bootstrap processor (a PC without an APIC);
   * with them each vCPU takes interrupts from its own APIC, and the 8259's through the BSP's LINT0.
   */
  private wireInterrupts(a: Attached): void {
    if (a.lapics.length === 0) {
      this.vcpus[0].interrupts = this.interrupts;
      return;
    }
    a.lapics.forEach((l, i) => {
      this.vcpus[i].interrupts = l;
      l.hwEnabled = () => (this.vcpus[i].core.cpu.state.apicBase & 0x800) !== 0;
      if (i > 0) this.vcpus[i].core.cpu.state.apicBase = APIC_BASE_MSR_AP;
    });
    a.lapics[0].extInt = this.interrupts;
  }

  private registerHostServices(): void {
    const { host, memory } = this;
    registerHostServices(this.hypercalls, {
      host, vcpuCount: this.vcpus.length, memorySize: memory.size, tscHz: this.tscHz, files: this.config.files,
      guestNowNs: () => this.guestNs(this.running?.core.localTimeNs() ?? host.clock.now),
      readGuest: (gpa, len) => memory.mem.read(memory.hostBase + gpa, len),
      writeGuest: (gpa, bytes) => memory.mem.write(memory.hostBase + gpa, bytes),
    });
  }

  private loadKernel(rsdp: number | undefined): void {
    const k = this.config.kernel;
    const image = this.host.readFile(k.path);
    const initrd = k.initrd ? this.host.readFile(k.initrd) : undefined;
    bootKernel(this.vcpus[0].core.cpu, this.memory, image, k, initrd, { rsdp });
    // Application processors wait in HLT until started (INIT/SIPI arrive with the APIC).
    for (const v of this.vcpus.slice(1)) v.parked = true;
  }

  /** Guest time (dilated, checkpoint-shifted) at a host virtual time. */
  guestNs(hostNs: number): number {
    return this.clock.fromHost(hostNs) * this.dilation;
  }

  /** A vCPU's time-stamp counter: guest time on its core, at the VM's TSC frequency. */
  guestTsc(v: Vcpu): number {
    return tscAt(this.guestNs(v.core.localTimeNs()), this.tscHz);
  }

  private check(action: VmAction): void {
    if (!(VM_TRANSITIONS[action] as readonly VmState[]).includes(this.state)) throw new VmStateError(this.config.name, action, this.state, VM_TRANSITIONS[action]);
  }

  private transition(action: VmAction, to: VmState): void {
    this.check(action);
    this.state = to;
  }

  launch(): void {
    this.transition('launch', 'running');
    for (const v of this.vcpus) v.attach();
  }

  pause(): void {
    this.transition('pause', 'paused');
    for (const v of this.vcpus) v.detach();
  }

  resume(): void {
    this.transition('resume', 'running');
    for (const v of this.vcpus) v.attach();
  }

  /** Palacios's name for resume. */
  continue(): void {
    this.resume();
  }

  /**
   * Puts the machine back to power-on: vCPUs and devices in their initial state, guest time back
   * to where the VM began, memory cleared, firmware tables written and the kernel loaded again
   * from its file. A created, running or paused VM stays so; a stopped one (after a guest reboot, say) is
   * created again, ready to launch. Not from inside one of its own vCPUs.
   */
  reset(): void {
    this.check('reset');
    if (this.running) throw new HypervisorError('BAD_VM_STATE', `cannot reset VM "${this.config.name}" from inside its own vCPU`);
    const was = this.state;
    for (const v of this.vcpus) v.detach();
    this.powerOn.apply(this);
    this.host.memory.fill(this.memory.hostBase, this.memory.size);
    this.loadKernel(installFirmware(this.attached, this.memory, this.cpuSignature));
    this.exitCounts.clear();
    this.stopReason = undefined;
    this.state = was === 'stopped' ? 'created' : was;
    if (this.state === 'running') for (const v of this.vcpus) v.attach();
  }

  /**
   * Palacios's simulate: runs the VM (launching or resuming it) until `ms` of its own time have
   * passed, then pauses it at the scheduling boundary where the host stopped, so a save there
   * continues exactly as an uninterrupted run would. `drive` runs the host until `stop` holds
   * (the hypervisor does not own the host's scheduler). Returns the state it ended in: paused, or
   * stopped if the guest stopped first.
   */
  simulate(ms: number, drive: (stop: () => boolean) => unknown): VmState {
    this.check('simulate');
    if (!(ms > 0) || !Number.isFinite(ms)) throw new HypervisorError('BAD_ARGUMENT', `simulate needs a positive number of milliseconds, got ${ms}`);
    if (this.state === 'created') this.launch();
    else if (this.state === 'paused') this.resume();
    const target = this.clock.now + ms * 1e6;
    drive(() => this.state !== 'running' || this.clock.now >= target);
    if (this.state === 'running') this.pause();
    return this.state;
  }

  stop(reason: StopReason = { kind: 'requested' }): void {
    if (this.state === 'stopped') return;
    this.transition('stop', 'stopped');
    this.stopReason = reason;
    for (const v of this.vcpus) { v.detach(); v.core.cpu.requestExit(); }
    // A stopped VM's disks are durable on the host (a clean stop loses nothing).
    for (const d of this.devices) d.flush?.();
  }

  /** Stops the VM because the guest did something it cannot survive. */
  fail(message: string): void {
    this.host.log('error', `VM "${this.config.name}": ${message}`);
    if (this.state === 'running' || this.state === 'paused') this.stop({ kind: 'error', message });
  }

  free(): void {
    this.transition('free', 'freed');
    this.release();
  }

  private release(): void {
    for (const d of this.devices ?? []) d.dispose?.();
    for (const p of this.netPorts.splice(0)) p.close();
    for (const v of this.vcpus ?? []) v.restoreHostTsc();
    for (const l of this.leases) l.release();
    this.host.freeMemory(this.block);
  }

  /** The whole VM as checkpoint bytes (checkpoint/); a running VM is paused for it. */
  snapshot(): Uint8Array {
    return saveCheckpoint(this);
  }

  /** Replaces the VM's state with a checkpoint's and leaves it paused; a bad checkpoint changes nothing. */
  restore(bytes: Uint8Array, file?: string): void {
    loadCheckpoint(this, bytes, file);
  }

  /** Saves a checkpoint to a host file; returns its size in bytes. */
  save(path: string): number {
    return saveCheckpointFile(this, this.host, path);
  }

  /** Loads a checkpoint from a host file (as `restore`). */
  load(path: string): void {
    loadCheckpointFile(this, this.host, path);
  }

  /** Moves vCPU `index` to host core `hostCore` with all its state (Palacios's move-core); not while a vCPU runs. */
  moveVcpu(index: number, hostCore: number): void {
    const old = this.vcpus[index];
    if (!old) throw new HypervisorError('NO_SUCH_VCPU', `VM "${this.config.name}" has no vCPU ${index} (it has ${this.vcpus.length})`);
    if (this.state === 'freed' || this.running) throw new HypervisorError('BAD_VM_STATE', `cannot move a vCPU of VM "${this.config.name}" now (${this.running ? 'a vCPU is running' : this.state})`);
    if (old.core.id === hostCore) return;
    const [lease] = this.host.acquireCores(1, [hostCore]);
    const cpu = old.core.cpu;
    const v = new Vcpu(this, index, lease.core, cpu.physMap, cpu.cpuidModel, this.config.cores[index].freq);
    transferVcpu(old, v, this.clock.host.now);
    old.restoreHostTsc();
    const wasAttached = old.core.driver === old;
    old.detach();
    if (wasAttached) v.attach();
    this.leases[index].release();
    this.leases[index] = lease;
    this.vcpus[index] = v;
  }

  countExit(kind: string): void {
    this.exitCounts.set(kind, (this.exitCounts.get(kind) ?? 0) + 1);
  }

  /** Instructions retired by all vCPUs. */
  get instructions(): number {
    return this.vcpus.reduce((a, v) => a + v.core.cpu.icount - v.startIcount, 0);
  }
}
