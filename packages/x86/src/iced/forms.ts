// iced's instruction tables as plain data, for tools that enumerate instruction forms (the
// differential tester's generators) and for features that must know which CPUID bit an encoding
// needs. Every wasm object made here is freed before the function that made it returns.
import { iced, Register } from './iced.js';

/** One encoding form (an iced `Code`) with what a generator needs to build instances of it. */
export interface FormInfo {
  code: number;
  mnem: number;
  /** The `Code` enum name, e.g. `Add_rm32_r32`. */
  name: string;
  /** iced's instruction string, e.g. `ADD r/m32, r32`. */
  text: string;
  /** `OpCodeOperandKind` of each operand. */
  ops: number[];
  /** `CpuidFeature` values the form needs. */
  features: number[];
  privileged: boolean;
  cpl3: boolean;
  io: boolean;
  lock: boolean;
  rep: boolean;
  repne: boolean;
  /** Legacy operand size the form forces (16/32/64) or 0. */
  operandSize: number;
  /** iced `MemorySize` of the memory operand and its size in bytes (0 without one). */
  memSize: number;
  memBytes: number;
}

/** iced's CPUID feature numbering (FormInfo.features). */
export const CpuidFeature = iced.CpuidFeature;

const codeNames: string[] = [];
for (const [k, v] of Object.entries(iced.Code)) if (typeof v === 'number') codeNames[v] = k;

const formCache = new Map<number, FormInfo[]>();

/**
 * All legacy-encoded instruction forms available in `bitness`-bit mode; with `vex`, the VEX-encoded
 * ones as well (EVEX, XOP and 3DNow! never).
 */
export function listForms(bitness: 16 | 32 | 64, vex = false): FormInfo[] {
  const key = bitness + (vex ? 1000 : 0);
  const hit = formCache.get(key);
  if (hit) return hit;
  const out: FormInfo[] = [];
  for (let code = 0; code < codeNames.length; code++) {
    if (codeNames[code] === undefined) continue;
    const op = iced.CodeExt.opCode(code);
    try {
      const enc = op.encoding;
      if (!op.isInstruction || op.decoderOption !== 0) continue;
      if (enc !== iced.EncodingKind.Legacy && !(vex && enc === iced.EncodingKind.VEX)) continue;
      if (!(bitness === 64 ? op.mode64 : bitness === 32 ? op.mode32 : op.mode16)) continue;
      const ops: number[] = [];
      for (let i = 0; i < op.opCount; i++) ops.push(op.opKind(i));
      out.push({
        code, mnem: op.mnemonic, name: codeNames[code], text: op.instructionString, ops,
        features: featuresOf(code), privileged: op.isPrivileged, cpl3: op.cpl3, io: op.isInputOutput,
        lock: op.canUseLockPrefix, rep: op.canUseRepPrefix, repne: op.canUseRepnePrefix,
        operandSize: op.operandSize, memSize: op.memorySize, memBytes: iced.MemorySizeExt.size(op.memorySize),
      });
    } finally {
      op.free();
    }
  }
  formCache.set(key, out);
  return out;
}

const featureCache = new Map<number, number[]>();

/** The CPUID features an encoding form needs (cached per `Code`). */
export function featuresOf(code: number): number[] {
  let f = featureCache.get(code);
  if (f) return f;
  const ins = iced.Instruction.create(code);
  try {
    f = Array.from(ins.cpuidFeatures());
  } finally {
    ins.free();
  }
  featureCache.set(code, f);
  return f;
}

export function codeName(code: number): string {
  return codeNames[code] ?? `Code#${code}`;
}

// ---- encoding one instruction from plain operands ----

export type EncOperand =
  | { k: 'reg'; reg: number }
  /** Registers are iced `Register` values (0 for none); RIP-relative: base = Register.RIP and `disp` the absolute target. */
  | { k: 'mem'; base: number; index: number; scale: number; disp: number; dispSize?: number }
  | { k: 'imm'; v: number | bigint }
  | { k: 'br'; target: number };

export interface EncPrefixes {
  lock?: boolean;
  rep?: boolean;
  repne?: boolean;
  /** Segment override (iced `Register`, e.g. Register.FS). */
  seg?: number;
}

/** The displacement size iced wants: 0 only for no displacement, 1 for disp8, else the address width. */
function dispSize(m: Extract<EncOperand, { k: 'mem' }>, bitness: number): number {
  const full = bitness === 64 ? 8 : bitness === 32 ? 4 : 2;
  if (m.base === Register.RIP || m.base === Register.EIP) return full;
  if (m.base === Register.None && m.index === Register.None) return full;
  if (m.disp === 0) return 0;
  return m.disp >= -128 && m.disp <= 127 ? 1 : full;
}

type Ins = InstanceType<typeof iced.Instruction>;
type Mem = InstanceType<typeof iced.MemoryOperand>;
const I = iced.Instruction;

function immArgs(v: number | bigint): { wide: boolean; n: number; b: bigint } {
  const b = BigInt(v);
  const wide = b > 0xffffffffn || b < -0x80000000n;
  return { wide, n: Number(b), b };
}

function create(code: number, ops: EncOperand[], mem: Mem | undefined): Ins {
  const pat = ops.map((o) => o.k === 'reg' ? 'r' : o.k === 'mem' ? 'm' : o.k === 'imm' ? 'i' : 'b').join('');
  const reg = (i: number) => (ops[i] as { reg: number }).reg;
  const imm = (i: number) => immArgs((ops[i] as { v: number | bigint }).v);
  const m = mem!;
  // iced checks each immediate against its operand kind; negative values go through the signed setters.
  const ri = (a: number, i: number) => {
    const x = imm(i);
    if (x.wide) return x.b < 0n ? I.createRegI64(code, reg(a), x.b) : I.createRegU64(code, reg(a), x.b);
    return x.n < 0 ? I.createRegI32(code, reg(a), x.n) : I.createRegU32(code, reg(a), x.n);
  };
  switch (pat) {
    case '': return I.create(code);
    case 'r': return I.createReg(code, reg(0));
    case 'i': { const x = imm(0); return x.n < 0 ? I.createI32(code, x.n) : I.createU32(code, x.n); }
    case 'm': return I.createMem(code, m);
    case 'b': return I.createBranch(code, BigInt((ops[0] as { target: number }).target));
    case 'rr': return I.createRegReg(code, reg(0), reg(1));
    case 'ri': return ri(0, 1);
    case 'rm': return I.createRegMem(code, reg(0), m);
    case 'mr': return I.createMemReg(code, m, reg(1));
    case 'mi': { const x = imm(1); return x.n < 0 ? I.createMemI32(code, m, x.n) : I.createMemU32(code, m, x.n); }
    case 'ir': { const x = imm(0); return x.n < 0 ? I.createI32Reg(code, x.n, reg(1)) : I.createU32Reg(code, x.n, reg(1)); }
    case 'ii': return I.createU32U32(code, imm(0).n >>> 0, imm(1).n >>> 0);
    case 'rrr': return I.createRegRegReg(code, reg(0), reg(1), reg(2));
    case 'rri': { const x = imm(2); return x.n < 0 ? I.createRegRegI32(code, reg(0), reg(1), x.n) : I.createRegRegU32(code, reg(0), reg(1), x.n); }
    case 'rmi': { const x = imm(2); return x.n < 0 ? I.createRegMemI32(code, reg(0), m, x.n) : I.createRegMemU32(code, reg(0), m, x.n); }
    case 'rmr': return I.createRegMemReg(code, reg(0), m, reg(2));
    case 'mrr': return I.createMemRegReg(code, m, reg(1), reg(2));
    case 'mri': { const x = imm(2); return x.n < 0 ? I.createMemRegI32(code, m, reg(1), x.n) : I.createMemRegU32(code, m, reg(1), x.n); }
    case 'rii': return I.createRegU32U32(code, reg(0), imm(1).n >>> 0, imm(2).n >>> 0);
    // VEX forms: a second source in vvvv, and a register or immediate in imm8[7:4].
    case 'rrm': return I.createRegRegMem(code, reg(0), reg(1), m);
    case 'rrrr': return I.createRegRegRegReg(code, reg(0), reg(1), reg(2), reg(3));
    case 'rrrm': return I.createRegRegRegMem(code, reg(0), reg(1), reg(2), m);
    case 'rrmr': return I.createRegRegMemReg(code, reg(0), reg(1), m, reg(3));
    case 'rrri': return I.createRegRegRegU32(code, reg(0), reg(1), reg(2), imm(3).n >>> 0);
    case 'rrmi': return I.createRegRegMemU32(code, reg(0), reg(1), m, imm(3).n >>> 0);
    default: throw new Error(`no encoder shape for operands '${pat}'`);
  }
}

const encoders = new Map<number, InstanceType<typeof iced.Encoder>>();

/**
 * Encodes one instruction of form `code` at `ip`. Throws (iced's message) when the operands do not
 * fit the form, e.g. AH with a REX prefix or an immediate out of range.
 */
export function encodeForm(code: number, ops: EncOperand[], ip: number, bitness: 16 | 32 | 64 = 64, pfx: EncPrefixes = {}): Uint8Array {
  const memOp = ops.find((o) => o.k === 'mem') as Extract<EncOperand, { k: 'mem' }> | undefined;
  let mem: Mem | undefined;
  let ins: Ins | undefined;
  try {
    if (memOp) {
      mem = new iced.MemoryOperand(memOp.base, memOp.index, memOp.scale, BigInt(memOp.disp), memOp.dispSize ?? dispSize(memOp, bitness), false, Register.None);
    }
    ins = create(code, ops, mem);
    mem = undefined; // the instruction took ownership of it
    if (pfx.lock) ins.hasLockPrefix = true;
    if (pfx.rep) ins.hasRepPrefix = true;
    if (pfx.repne) ins.hasRepnePrefix = true;
    if (pfx.seg !== undefined) ins.segmentPrefix = pfx.seg;
    let enc = encoders.get(bitness);
    if (!enc) { enc = new iced.Encoder(bitness); encoders.set(bitness, enc); }
    try {
      enc.encode(ins, BigInt.asUintN(64, BigInt(ip)));
    } catch (e) {
      enc.takeBuffer(); // a failed encode leaves its partial bytes in the buffer
      throw e;
    }
    return enc.takeBuffer();
  } finally {
    ins?.free();
    mem?.free();
  }
}

// ---- what a byte string decodes to ----

/** iced `RflagsBits` → EFLAGS bit positions. */
function eflags(b: number): number {
  const F = iced.RflagsBits;
  return ((b & F.OF) ? 0x800 : 0) | ((b & F.SF) ? 0x80 : 0) | ((b & F.ZF) ? 0x40 : 0) | ((b & F.AF) ? 0x10 : 0) |
    ((b & F.CF) ? 1 : 0) | ((b & F.PF) ? 4 : 0) | ((b & F.DF) ? 0x400 : 0) | ((b & F.IF) ? 0x200 : 0) |
    ((b & F.AC) ? 0x40000 : 0);
}

export interface DecodedForm {
  code: number;
  mnem: number;
  len: number;
  text: string;
  invalid: boolean;
  /** EFLAGS bits read, written (any way) and left undefined. */
  flagsRead: number;
  flagsWritten: number;
  flagsUndefined: number;
  /** iced `FlowControl`. */
  flow: number;
  /** Near branch target, or -1. */
  target: number;
}

/** Decodes every instruction in `bytes` (laid out at `ip`). */
export function decodeForms(bytes: Uint8Array, ip: number, bitness: 16 | 32 | 64 = 64): DecodedForm[] {
  const decoder = new iced.Decoder(bitness, bytes, iced.DecoderOptions.None);
  const ins = new iced.Instruction();
  const out: DecodedForm[] = [];
  try {
    decoder.ip = BigInt.asUintN(64, BigInt(ip));
    while (decoder.canDecode) {
      decoder.decodeOut(ins);
      const invalid = ins.isInvalid;
      const br = ins.flowControl !== iced.FlowControl.Next && !invalid ? ins.nearBranchTarget : 0n;
      out.push({
        code: ins.code, mnem: ins.mnemonic, len: ins.length, text: invalid ? '(bad)' : ins.toString(), invalid,
        flagsRead: eflags(ins.rflagsRead), flagsWritten: eflags(ins.rflagsModified), flagsUndefined: eflags(ins.rflagsUndefined),
        flow: ins.flowControl, target: br === 0n ? -1 : Number(br),
      });
      if (invalid) break;
    }
  } finally {
    ins.free();
    decoder.free();
  }
  return out;
}
