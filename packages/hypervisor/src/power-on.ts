// A VM's power-on state, recorded once its vCPUs and devices are built and before a kernel is
// loaded, so that a reset can put the machine back exactly there: every vCPU's architectural
// state, MTRRs and TSC offset, every device's saved state (devices re-arm or cancel their own
// timers on load), and the guest time the VM started at. Memory is not kept: a reset clears it
// and loads the kernel again.
import type { Device } from '@serval/devices';
import { applyCpuState, applyInFlight, applyMtrrs, saveCpuState, saveInFlight, saveMtrrs } from './checkpoint/cpu-state.js';
import { vmDevices } from './checkpoint/snapshot.js';
import type { Vm } from './vm.js';

interface VcpuPowerOn {
  cpu: ReturnType<typeof saveCpuState>;
  mtrrs: number[][];
  inFlight: ReturnType<typeof saveInFlight>;
  tscOffset: number;
}

export class PowerOnState {
  private readonly vcpus: VcpuPowerOn[];
  private readonly devices: { device: Device; state: unknown }[];
  private readonly timeNs: number;

  constructor(vm: Vm) {
    this.timeNs = vm.clock.now;
    this.vcpus = vm.vcpus.map((v) => {
      const cpu = v.core.cpu;
      return { cpu: saveCpuState(cpu.state), mtrrs: saveMtrrs(cpu), inFlight: saveInFlight(cpu), tscOffset: cpu.tscOffset };
    });
    // A JSON round trip, so a device can never share (and later mutate) what was recorded.
    this.devices = vmDevices(vm).map((d) => ({ device: d, state: JSON.parse(JSON.stringify(d.saveState())) as unknown }));
  }

  /**
   * Puts the vCPUs, devices and guest time back to power-on. The guest's clock restarts where it
   * began, so a reset VM sees what a freshly created one saw.
   */
  apply(vm: Vm): void {
    vm.clock.resumeAt(this.timeNs);
    vm.vcpus.forEach((v, i) => {
      const s = this.vcpus[i];
      const cpu = v.core.cpu;
      applyCpuState(cpu.state, s.cpu);
      applyMtrrs(cpu, s.mtrrs);
      applyInFlight(cpu, s.inFlight);
      cpu.tscOffset = s.tscOffset;
      cpu.intercepts.interruptWindow = false;
      v.halted = false;
      v.parked = false;
      v.resetCounts();
      cpu.flushTlb();
      cpu.invalidateCode();
      cpu.modeChanged();
    });
    for (const d of this.devices) d.device.loadState(d.state);
  }
}
