// Which instruction-set extensions a core executes: exactly those its CPUID advertises. An
// instruction that needs anything else raises #UD, as on a real CPU without the feature, so
// software that probes CPUID and software that does not see the same machine.
import { CPUID1_ECX, CPUID1_EDX, CPUID81_EDX, type CpuidModel } from './cpuid.js';
import { iced } from './iced/iced.js';

const F = iced.CpuidFeature;

/** Always present on any x86-64 CPU (or harmless hints). */
const ALWAYS = [
  F.INTEL8086, F.INTEL186, F.INTEL286, F.INTEL386, F.INTEL486, F.CPUID, F.MULTIBYTENOP, F.PAUSE,
  F.PREFETCHW,
  // RDPMC exists on every x86-64 CPU; CR4.PCE decides whether CPL3 may use it (#GP, not #UD).
  F.RDPMC,
];

export function allowedFeatures(model: CpuidModel): Set<number> {
  const [, , ecx1, edx1] = model.get(1, 0, 0);
  const [, , , edx81] = model.get(0x80000001, 0, 0);
  const [, ebx7] = model.get(7, 0, 0);
  const set = new Set<number>(ALWAYS);
  const on = (cond: boolean, ...fs: number[]) => { if (cond) for (const f of fs) set.add(f); };
  on((edx1 & CPUID1_EDX.FPU) !== 0, F.FPU, F.FPU287, F.FPU387);
  on((edx1 & CPUID1_EDX.TSC) !== 0, F.TSC);
  on((edx1 & CPUID1_EDX.MSR) !== 0, F.MSR);
  on((edx1 & CPUID1_EDX.CX8) !== 0, F.CX8);
  on((edx1 & CPUID1_EDX.SEP) !== 0, F.SEP);
  on((edx1 & CPUID1_EDX.CMOV) !== 0, F.CMOV);
  on((edx1 & CPUID1_EDX.CLFSH) !== 0, F.CLFSH);
  on((edx1 & CPUID1_EDX.MMX) !== 0, F.MMX);
  on((edx1 & CPUID1_EDX.FXSR) !== 0, F.FXSR);
  on((edx1 & CPUID1_EDX.SSE) !== 0, F.SSE);
  on((edx1 & CPUID1_EDX.SSE2) !== 0, F.SSE2);
  on((ecx1 & CPUID1_ECX.SSE3) !== 0, F.SSE3);
  on((ecx1 & CPUID1_ECX.SSSE3) !== 0, F.SSSE3);
  on((ecx1 & CPUID1_ECX.SSE41) !== 0, F.SSE4_1);
  on((ecx1 & CPUID1_ECX.SSE42) !== 0, F.SSE4_2);
  on((ecx1 & CPUID1_ECX.CX16) !== 0, F.CMPXCHG16B);
  on((ecx1 & CPUID1_ECX.POPCNT) !== 0, F.POPCNT);
  on((ecx1 & CPUID1_ECX.XSAVE) !== 0, F.XSAVE);
  on((ecx1 & CPUID1_ECX.AVX) !== 0, F.AVX);
  on((edx81 & CPUID81_EDX.SYSCALL) !== 0, F.SYSCALL);
  on((edx81 & CPUID81_EDX.RDTSCP) !== 0, F.RDTSCP);
  on((edx81 & CPUID81_EDX.LM) !== 0, F.X64);
  on((ebx7 & (1 << 0)) !== 0, F.FSGSBASE);
  on((ebx7 & (1 << 3)) !== 0, F.BMI1);
  on((ebx7 & (1 << 8)) !== 0, F.BMI2);
  return set;
}

/**
 * Decoder options matching the feature set: without BMI1 (LZCNT/ABM) an F3-prefixed BSF (BSR) is
 * still BSF (BSR) — the prefix is ignored — which is what TZCNT (LZCNT) does on older CPUs.
 */
export function decoderOptions(features: ReadonlySet<number>): number {
  const O = iced.DecoderOptions;
  return (features.has(F.BMI1) ? 0 : O.NoMPFX_0FBC) | (features.has(F.LZCNT) ? 0 : O.NoMPFX_0FBD);
}
