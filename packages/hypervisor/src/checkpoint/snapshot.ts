// Saving and restoring a whole VM: guest memory, every vCPU (architectural state, MSRs the core
// keeps, events in flight, instruction count, TSC), every device, the VM's clock and the events
// its devices have pending (each device re-arms its own from its saved state). A restore checks
// the entire checkpoint before touching the VM, and rolls back if a device still refuses its
// state, so a bad file leaves the VM as it was.
import type { Device } from '@serval/devices';
import type { VmConfig } from '../config/vm-config.js';
import type { Vm } from '../vm.js';
import {
  applyCpuState, applyInFlight, applyMtrrs, checkCpuState, checkInFlight, checkMtrrs, saveCpuState,
  saveInFlight, saveMtrrs, type SavedInFlight,
} from './cpu-state.js';
import { CheckpointError } from './errors.js';
import { decodeFile, encodeFile } from './format.js';
import { checkMemory, decodeMemory, encodeMemory } from './memory.js';

interface SavedVcpu {
  cpu: ReturnType<typeof saveCpuState>;
  mtrrs: number[][];
  inFlight: SavedInFlight;
  /** Instructions this vCPU has retired since the VM was created. */
  instructions: number;
  /** The TSC the guest would read at the instant of the save. */
  tsc: number;
  halted: boolean;
  parked: boolean;
  interruptWindow: boolean;
  /** What a vCPU keeps beyond the above (its `saveState`, when it has one: start-up state of an AP, ...). */
  extra?: unknown;
}

/** A vCPU that keeps more run state than halted/parked exposes it with these (optional) methods. */
interface VcpuState { saveState?(): unknown; loadState?(s: unknown): void }

interface Meta {
  config: VmConfig;
  /** Guest virtual time at the save, in ns. */
  timeNs: number;
  vcpus: SavedVcpu[];
  devices: { name: string; kind: string; state: unknown }[];
  exitCounts: Record<string, number>;
}

/** Every device of the VM with state: its configured devices, then helpers they registered on the port bus (port 61h). */
export function vmDevices(vm: Vm): Device[] {
  const out: Device[] = [...vm.devices];
  const seen = new Set<unknown>(out);
  for (let port = 0; port < 0x10000; port++) {
    const d = vm.ports.owner(port) as unknown;
    if (d === undefined || seen.has(d)) continue;
    seen.add(d);
    const dev = d as Partial<Device>;
    if (typeof dev.saveState === 'function' && typeof dev.loadState === 'function' && typeof dev.name === 'string') out.push(d as Device);
  }
  return out;
}

function capture(vm: Vm): { meta: Meta; memory: Uint8Array } {
  const hostNow = vm.clock.host.now;
  const vcpus = vm.vcpus.map((v): SavedVcpu => {
    const cpu = v.core.cpu;
    // The core's local time is the save instant, so the TSC read here is the guest's TSC now.
    v.core.beginSlice(hostNow);
    return {
      cpu: saveCpuState(cpu.state), mtrrs: saveMtrrs(cpu), inFlight: saveInFlight(cpu),
      instructions: cpu.icount - v.startIcount, tsc: cpu.readTsc(),
      halted: v.halted, parked: v.parked, interruptWindow: cpu.intercepts.interruptWindow,
      ...((v as VcpuState).saveState ? { extra: (v as VcpuState).saveState!() } : {}),
    };
  });
  const devices = vmDevices(vm).map((d) => ({ name: d.name, kind: d.kind, state: d.saveState() }));
  return {
    meta: { config: vm.config, timeNs: vm.clock.now, vcpus, devices, exitCounts: Object.fromEntries(vm.exitCounts) },
    memory: encodeMemory(vm.memory.mem, vm.memory.hostBase, vm.memory.size),
  };
}

/** The VM as checkpoint bytes. A running VM is paused for the save and resumed after it. */
export function saveCheckpoint(vm: Vm): Uint8Array {
  if (vm.state === 'freed') throw new CheckpointError('CKPT_VM_STATE', `cannot save VM "${vm.config.name}": it is freed`);
  if (vm.running) throw new CheckpointError('CKPT_VM_STATE', `cannot save VM "${vm.config.name}" from inside its own vCPU`);
  const wasRunning = vm.state === 'running';
  if (wasRunning) vm.pause();
  try {
    return encodeFile(capture(vm));
  } finally {
    if (wasRunning) vm.resume();
  }
}

/** What must agree between the VM that saved and the VM that loads (the guest saw all of it). */
function shape(c: VmConfig): string {
  return JSON.stringify({ memory: c.memory, cores: c.cores.map((x) => x.freq ?? null), devices: c.devices, cpuid: c.cpuid });
}

function checkMeta(vm: Vm, raw: unknown, file: string): Meta {
  const bad = (why: string) => new CheckpointError('CKPT_CORRUPT', `${file}: ${why}`);
  if (typeof raw !== 'object' || raw === null) throw bad('metadata is not an object');
  const m = raw as Partial<Meta>;
  if (typeof m.config !== 'object' || m.config === null) throw bad('no VM config');
  if (typeof m.timeNs !== 'number' || !(m.timeNs >= 0) || !Number.isFinite(m.timeNs)) throw bad('no valid save time');
  if (!Array.isArray(m.vcpus) || !Array.isArray(m.devices) || typeof m.exitCounts !== 'object' || m.exitCounts === null) throw bad('vCPU, device or exit lists are missing');
  if (shape(m.config as VmConfig) !== shape(vm.config)) {
    throw new CheckpointError('CKPT_MISMATCH', `${file} was saved by a VM configured differently from VM "${vm.config.name}" (memory, cores, devices and CPUID must match)`);
  }
  if (m.vcpus.length !== vm.vcpus.length) throw bad(`${m.vcpus.length} vCPUs saved; the VM has ${vm.vcpus.length}`);
  m.vcpus.forEach((v, i) => {
    const who = `${file}: vCPU ${i}`;
    if (typeof v !== 'object' || v === null) throw bad(`vCPU ${i} is not an object`);
    checkCpuState(v.cpu, who);
    checkMtrrs(v.mtrrs, who);
    checkInFlight(v.inFlight, who);
    if (!Number.isInteger(v.instructions) || v.instructions < 0 || !Number.isInteger(v.tsc) || v.tsc < 0) throw bad(`vCPU ${i} has no valid instruction count or TSC`);
    if (typeof v.halted !== 'boolean' || typeof v.parked !== 'boolean' || typeof v.interruptWindow !== 'boolean') throw bad(`vCPU ${i} has no run state`);
  });
  const devs = vmDevices(vm);
  const want = devs.map((d) => `${d.kind}:${d.name}`).join(', ');
  const got = m.devices.map((d) => `${d?.kind}:${d?.name}`).join(', ');
  if (want !== got) throw new CheckpointError('CKPT_MISMATCH', `${file} has devices [${got}]; VM "${vm.config.name}" has [${want}]`);
  return m as Meta;
}

function apply(vm: Vm, meta: Meta, memory: Uint8Array, file: string): void {
  vm.clock.resumeAt(meta.timeNs);
  decodeMemory(memory, vm.memory.mem, vm.memory.hostBase, vm.memory.size, file);
  const hostNow = vm.clock.host.now;
  vm.vcpus.forEach((v, i) => {
    const s = meta.vcpus[i];
    const cpu = v.core.cpu;
    applyCpuState(cpu.state, s.cpu);
    applyMtrrs(cpu, s.mtrrs);
    applyInFlight(cpu, s.inFlight);
    cpu.icount = v.startIcount + s.instructions;
    v.core.beginSlice(hostNow);
    cpu.tscOffset = 0;
    cpu.tscOffset = s.tsc - cpu.readTsc();
    v.halted = s.halted;
    v.parked = s.parked;
    cpu.intercepts.interruptWindow = s.interruptWindow;
    const more = v as VcpuState;
    if (more.loadState) {
      if (s.extra === undefined) throw new CheckpointError('CKPT_CORRUPT', `${file}: vCPU ${i} has no saved start-up state`);
      more.loadState(s.extra);
    }
    // Compiled blocks and translations describe the memory and paging state that was replaced.
    cpu.flushTlb();
    cpu.invalidateCode();
    cpu.modeChanged();
  });
  const devs = vmDevices(vm);
  devs.forEach((d, i) => d.loadState(meta.devices[i].state));
  vm.exitCounts.clear();
  for (const [k, n] of Object.entries(meta.exitCounts)) vm.exitCounts.set(k, Number(n));
  vm.stopReason = undefined;
  vm.state = 'paused';
}

/**
 * Replaces the VM's whole state with the checkpoint's and leaves it paused (`resume` continues
 * it). The VM must not be running, and must be configured like the one that saved.
 */
export function loadCheckpoint(vm: Vm, bytes: Uint8Array, file = 'checkpoint'): void {
  if (vm.state === 'running' || vm.state === 'freed') {
    throw new CheckpointError('CKPT_VM_STATE', `cannot load a checkpoint into VM "${vm.config.name}": it is ${vm.state}${vm.state === 'running' ? ' (pause or stop it first)' : ''}`);
  }
  const { meta: raw, memory } = decodeFile(bytes, file);
  const meta = checkMeta(vm, raw, file);
  checkMemory(memory, vm.memory.size, file);
  const before = capture(vm);
  const state = vm.state, reason = vm.stopReason;
  try {
    apply(vm, meta, memory, file);
  } catch (e) {
    apply(vm, before.meta, before.memory, 'the VM\'s own state');
    vm.state = state;
    vm.stopReason = reason;
    throw e instanceof CheckpointError ? e : new CheckpointError('CKPT_CORRUPT', `${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** The VM config stored in a checkpoint (to create a VM to load it into). */
export function checkpointConfig(bytes: Uint8Array, file = 'checkpoint'): VmConfig {
  const { meta } = decodeFile(bytes, file);
  const c = (meta as Partial<Meta> | null)?.config;
  if (typeof c !== 'object' || c === null) throw new CheckpointError('CKPT_CORRUPT', `${file}: no VM config`);
  return c;
}
