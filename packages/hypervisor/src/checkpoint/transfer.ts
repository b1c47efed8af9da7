// Moving a vCPU to another core (Palacios's move-core): the same state a checkpoint carries for a
// vCPU, handed from one core to the other directly.
import type { Vcpu } from '../vcpu.js';
import { applyCpuState, applyInFlight, applyMtrrs, saveCpuState, saveInFlight, saveMtrrs } from './cpu-state.js';

/** Copies `from`'s whole state into `to` at host time `hostNow` (both between slices). */
export function transferVcpu(from: Vcpu, to: Vcpu, hostNow: number): void {
  const a = from.core.cpu, b = to.core.cpu;
  from.core.beginSlice(hostNow);
  const tsc = a.readTsc();
  applyCpuState(b.state, saveCpuState(a.state));
  applyMtrrs(b, saveMtrrs(a));
  applyInFlight(b, saveInFlight(a));
  b.icount = to.startIcount + (a.icount - from.startIcount);
  to.core.beginSlice(hostNow);
  b.tscOffset = 0;
  b.tscOffset = tsc - b.readTsc();
  b.intercepts.interruptWindow = a.intercepts.interruptWindow;
  to.halted = from.halted;
  to.parked = from.parked;
  to.interrupts = from.interrupts;
  b.flushTlb();
  b.invalidateCode();
  b.modeChanged();
}
