// IA32_ARCH_CAPABILITIES (MSR 0x10A, enumerated by CPUID.(7,0):EDX[29]): what the virtual CPU
// tells the guest about speculative-execution flaws. Serval's cores do not speculate, so every
// "not affected" bit is true; without them Linux assumes an unknown CPU is affected and turns on
// mitigations that need instructions and MSRs the core does not have (VERW buffer clearing for
// MDS, page-table isolation for Meltdown). No bit that promises a control (IBRS_ALL, TSX_CTRL,
// FB_CLEAR, GDS_CTRL, ...) is set: those MSRs do not exist here.
export const MSR_ARCH_CAPABILITIES = 0x10a;
export const CPUID7_EDX_ARCH_CAPABILITIES = 1 << 29;

const NOT_AFFECTED = {
  RDCL_NO: 0, SKIP_VMENTRY_L1DFLUSH: 3, SSB_NO: 4, MDS_NO: 5, PSCHANGE_MC_NO: 6, TAA_NO: 8, SBDR_SSDP_NO: 13,
  FBSDP_NO: 14, PSDP_NO: 15, BHI_NO: 20, PBRSB_NO: 24, GDS_NO: 26, RFDS_NO: 27, ITS_NO: 62,
} as const;

/** The MSR's value as [low, high] 32-bit halves. */
export function archCapabilities(): [number, number] {
  let lo = 0, hi = 0;
  for (const bit of Object.values(NOT_AFFECTED)) {
    if (bit < 32) lo |= 1 << bit; else hi |= 1 << (bit - 32);
  }
  return [lo >>> 0, hi >>> 0];
}
