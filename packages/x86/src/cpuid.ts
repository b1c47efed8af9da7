// The CPUID a core reports. The default is a baseline x86-64 part that advertises only what the
// engine implements, so that Linux and glibc choose their baseline code paths. Hosts may replace
// or patch any leaf (the hypervisor does, per VM).

export type CpuidRegs = [eax: number, ebx: number, ecx: number, edx: number];

/** Bits of leaf 1 EDX. */
export const CPUID1_EDX = {
  FPU: 1 << 0, VME: 1 << 1, DE: 1 << 2, PSE: 1 << 3, TSC: 1 << 4, MSR: 1 << 5, PAE: 1 << 6,
  MCE: 1 << 7, CX8: 1 << 8, APIC: 1 << 9, SEP: 1 << 11, MTRR: 1 << 12, PGE: 1 << 13, MCA: 1 << 14,
  CMOV: 1 << 15, PAT: 1 << 16, PSE36: 1 << 17, CLFSH: 1 << 19, MMX: 1 << 23, FXSR: 1 << 24,
  SSE: 1 << 25, SSE2: 1 << 26, HTT: 1 << 28,
} as const;
/** Bits of leaf 1 ECX. */
export const CPUID1_ECX = {
  SSE3: 1 << 0, SSSE3: 1 << 9, CX16: 1 << 13, SSE41: 1 << 19, SSE42: 1 << 20, X2APIC: 1 << 21,
  POPCNT: 1 << 23, TSC_DEADLINE: 1 << 24, XSAVE: 1 << 26, AVX: 1 << 28, HYPERVISOR: 1 << 31,
} as const;
/** Bits of leaf 0x80000001 EDX / ECX. */
export const CPUID81_EDX = { SYSCALL: 1 << 11, NX: 1 << 20, PDPE1GB: 1 << 26, RDTSCP: 1 << 27, LM: 1 << 29 } as const;
export const CPUID81_ECX = { LAHF_LM: 1 << 0 } as const;

function str4(s: string, at: number): number {
  let v = 0;
  for (let i = 3; i >= 0; i--) v = (v << 8) | (s.charCodeAt(at + i) || 0);
  return v | 0;
}

export interface CpuidOptions {
  vendor?: string;
  brand?: string;
  /** Logical processors in the package (leaf 1 EBX[23:16]). */
  cores?: number;
  /** TSC frequency in Hz, reported through leaves 0x15/0x16 when known. */
  tscHz?: number;
}

export class CpuidModel {
  private readonly leaves = new Map<string, CpuidRegs>();
  /** Bumped on every change, so cores can tell when the instruction set they expose changed. */
  version = 0;
  maxBasic = 0;
  maxExtended = 0x80000000;

  /** The value for a leaf/subleaf; leaves without subleaves ignore `subleaf`. */
  get(leaf: number, subleaf: number, apicId: number): CpuidRegs {
    leaf >>>= 0;
    const inRange = leaf <= this.maxBasic || (leaf >= 0x80000000 && leaf <= this.maxExtended);
    // Out-of-range basic leaves report the highest basic leaf, as Intel parts do.
    const key = inRange ? leaf : this.maxBasic;
    const v = this.leaves.get(`${key}:${subleaf >>> 0}`) ?? this.leaves.get(`${key}:*`) ?? [0, 0, 0, 0];
    if (key === 1) return [v[0], (v[1] & 0x00ffffff) | ((apicId & 0xff) << 24), v[2], v[3]];
    if (key === 0xb) return [v[0], v[1], v[2], apicId];
    return [v[0], v[1], v[2], v[3]];
  }

  set(leaf: number, regs: CpuidRegs, subleaf?: number): void {
    leaf >>>= 0;
    this.leaves.set(`${leaf}:${subleaf === undefined ? '*' : subleaf >>> 0}`, [regs[0] | 0, regs[1] | 0, regs[2] | 0, regs[3] | 0]);
    this.version++;
    if (leaf < 0x80000000) this.maxBasic = Math.max(this.maxBasic, leaf);
    else this.maxExtended = Math.max(this.maxExtended, leaf);
    this.refreshMax();
  }

  private refreshMax(): void {
    const l0 = this.leaves.get('0:*');
    if (l0) l0[0] = this.maxBasic;
    const l8 = this.leaves.get(`${0x80000000}:*`);
    if (l8) l8[0] = this.maxExtended | 0;
  }

  static baseline(opts: CpuidOptions = {}): CpuidModel {
    const m = new CpuidModel();
    const vendor = (opts.vendor ?? 'ServalServal').padEnd(12, ' ');
    m.set(0, [0, str4(vendor, 0), str4(vendor, 8), str4(vendor, 4)]);
    const E = CPUID1_EDX;
    const edx = E.FPU | E.DE | E.PSE | E.TSC | E.MSR | E.PAE | E.CX8 | E.APIC | E.MTRR | E.PGE | E.CMOV |
      E.PAT | E.CLFSH | E.MMX | E.FXSR | E.SSE | E.SSE2;
    // Family 6, model 0x2a-like numbering; stepping 1. CLFLUSH line 64 bytes.
    const cores = Math.max(1, Math.min(255, opts.cores ?? 1));
    m.set(1, [0x000206a1, (8 << 8) | (cores << 16), 0, edx]);
    m.set(7, [0, 0, 0, 0], 0);
    m.set(0x80000000, [0, 0, 0, 0]);
    m.set(0x80000001, [0, 0, CPUID81_ECX.LAHF_LM, CPUID81_EDX.SYSCALL | CPUID81_EDX.NX | CPUID81_EDX.LM]);
    const brand = (opts.brand ?? 'Serval virtual x86-64 CPU').padEnd(48, '\0').slice(0, 48);
    for (let k = 0; k < 3; k++) {
      m.set(0x80000002 + k, [str4(brand, k * 16), str4(brand, k * 16 + 4), str4(brand, k * 16 + 8), str4(brand, k * 16 + 12)]);
    }
    m.set(0x80000008, [0x3028, 0, 0, 0]);
    if (opts.tscHz) {
      const mhz = Math.round(opts.tscHz / 1e6);
      // Leaf 0x15: TSC = crystal × EBX/EAX; report a 1 MHz crystal so any frequency is exact in MHz.
      m.set(0x15, [1, mhz, 1000000, 0]);
      m.set(0x16, [mhz, mhz, 100, 0]);
    }
    return m;
  }
}
