// The decoded form of an instruction: plain JS objects, built once per block by the iced adapter
// and read by the block compiler. Nothing here refers to wasm or BigInt.

export const enum OK {
  None = 0,
  Reg = 1,
  Mem = 2,
  Imm = 3,
  /** Near branch target (absolute, in `lo`/`hi` and `target`). */
  Branch = 4,
  /** Far branch: selector in `lo`, offset in `hi`. */
  FarBranch = 5,
}

/** Register classes a register operand can belong to. */
export const enum RC {
  Gpr = 0,
  /** AH, CH, DH, BH: bits 8-15 of registers 0-3. */
  Gpr8Hi = 1,
  Seg = 2,
  Cr = 3,
  Dr = 4,
  Xmm = 5,
  Mmx = 6,
  St = 7,
  Other = 8,
}

export interface Operand {
  k: OK;
  /** Operand size in bytes (register width, memory access width, immediate's extended width). */
  size: number;
  // register operands
  rc: RC;
  /** Register number within its class (GPR 0-15, segment 0-5, CRn, XMMn, ...). */
  reg: number;
  // memory operands
  /** Segment register (0-5) the access goes through. */
  seg: number;
  /** Base GPR, -1 for none, 16 for RIP-relative (then `disp` is absolute). */
  base: number;
  index: number;
  scale: number;
  /** Displacement, sign-extended; for RIP-relative operands, the absolute address. */
  disp: number;
  // immediates and branch targets: two int32 halves of the (sign-extended) value
  lo: number;
  hi: number;
}

export interface Insn {
  /** Virtual address (JS number, canonical addresses are exact). */
  ip: number;
  len: number;
  next: number;
  /** iced `Code` (the exact encoding form) and `Mnemonic`. */
  code: number;
  mnem: number;
  ops: Operand[];
  /** Operand size in bytes of the instruction's main operation. */
  opSize: number;
  /** Address size in bits: 16, 32 or 64. */
  addrSize: number;
  /** 0 none, 1 REP/REPE, 2 REPNE. */
  rep: number;
  lock: boolean;
  /** Condition code (iced `ConditionCode`) for Jcc/SETcc/CMOVcc, else 0. */
  cc: number;
  /** iced `FlowControl`. */
  flow: number;
  /** RFLAGS bits read/written, in iced's `RflagsBits` encoding. */
  fRead: number;
  fWritten: number;
  /** Bytes the instruction moves the stack pointer by (negative for pushes). */
  stackInc: number;
  /** iced `MemorySize` of the memory operand (x87/SSE forms need it). */
  memSize: number;
  /** Set for undecodable bytes: executing this raises #UD. */
  invalid: boolean;
  /** iced `CpuidFeature`s the instruction needs (it raises #UD unless the CPUID advertises them all). */
  features: readonly number[];
  /** Privileged (CPL 0 only). */
  privileged: boolean;
  /** The instruction's text, filled only when asked for (tracing, errors). */
  text?: string;
}
