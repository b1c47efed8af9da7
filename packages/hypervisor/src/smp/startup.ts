// Processor start-up as the local APIC drives it: INIT puts a CPU in its reset state, waiting for
// a start-up IPI; the SIPI starts it in real mode at CS = vector << 8, IP = 0 (the 4 KiB page
// vector × 4096, where Linux puts its trampoline). IA32_APIC_BASE keeps its value across INIT,
// as on hardware; only the bootstrap processor has its BSP flag (bit 8).
import { type Cpu, SEG } from '@serval/x86';

export const APIC_BASE_MSR_AP = 0xfee00800;

/** The state INIT leaves a CPU in (the reset state; it then waits for a SIPI). */
export function initCpu(cpu: Cpu): void {
  const apicBase = cpu.state.apicBase;
  cpu.state.reset();
  cpu.state.apicBase = apicBase;
  cpu.flushTlb();
  cpu.modeChanged();
}

/** Starts a CPU waiting for SIPI at the start-up vector, in real mode. */
export function startupCpu(cpu: Cpu, vector: number): void {
  const s = cpu.state;
  s.loadRealModeSegment(SEG.CS, (vector & 0xff) << 8);
  s.rip = 0;
  s.halted = false;
  cpu.flushTlb();
  cpu.modeChanged();
}
