// Decodes a run of instruction bytes into the plain-JS IR, once per block. The wasm objects live
// only for the duration of one call and are freed before it returns.
import { OK, RC, type Insn, type Operand } from '../ir.js';
import { iced, OpKind, Register } from './iced.js';

const DECODER_OPTIONS = 0;

/** iced Register → [class, number, size in bytes]. Built once from iced's own register names. */
const REG_CLASS = new Int8Array(256).fill(RC.Other);
const REG_NUM = new Int8Array(256);
const REG_SIZE = new Int8Array(256);
(() => {
  const gpr8 = ['AL', 'CL', 'DL', 'BL', 'SPL', 'BPL', 'SIL', 'DIL'];
  const gpr16 = ['AX', 'CX', 'DX', 'BX', 'SP', 'BP', 'SI', 'DI'];
  const gpr32 = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
  const gpr64 = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI'];
  const R = Register as unknown as Record<string, number>;
  const set = (name: string, rc: RC, num: number, size: number) => {
    const id = R[name];
    if (id === undefined) throw new Error(`iced has no register ${name}`);
    REG_CLASS[id] = rc; REG_NUM[id] = num; REG_SIZE[id] = size;
  };
  for (let i = 0; i < 16; i++) {
    set(i < 8 ? gpr8[i] : `R${i}L`, RC.Gpr, i, 1);
    set(i < 8 ? gpr16[i] : `R${i}W`, RC.Gpr, i, 2);
    set(i < 8 ? gpr32[i] : `R${i}D`, RC.Gpr, i, 4);
    set(i < 8 ? gpr64[i] : `R${i}`, RC.Gpr, i, 8);
    set(`XMM${i}`, RC.Xmm, i, 16);
    set(`CR${i}`, RC.Cr, i, 8);
    set(`DR${i}`, RC.Dr, i, 8);
  }
  ['AH', 'CH', 'DH', 'BH'].forEach((n, i) => set(n, RC.Gpr8Hi, i, 1));
  ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'].forEach((n, i) => set(n, RC.Seg, i, 2));
  for (let i = 0; i < 8; i++) {
    set(`ST${i}`, RC.St, i, 10);
    set(`MM${i}`, RC.Mmx, i, 8);
  }
  set('RIP', RC.Other, 16, 8);
  set('EIP', RC.Other, 16, 4);
})();

const MEM_SIZE: number[] = [];
for (const v of Object.values(iced.MemorySize)) {
  if (typeof v === 'number') MEM_SIZE[v] = iced.MemorySizeExt.size(v);
}

const NO_FEATURES: readonly number[] = [];
/** Per-Code cache: the feature list depends only on the encoding form. */
const FEATURES_BY_CODE = new Map<number, readonly number[]>();
function featuresOf(code: number, ins: IcedModule): readonly number[] {
  let f = FEATURES_BY_CODE.get(code);
  if (!f) {
    f = Array.from(ins.cpuidFeatures());
    FEATURES_BY_CODE.set(code, f);
  }
  return f;
}

function blankOperand(): Operand {
  return { k: OK.None, size: 0, rc: RC.Other, reg: 0, seg: -1, base: -1, index: -1, scale: 1, disp: 0, lo: 0, hi: 0 };
}

function gprOf(reg: number): number {
  if (reg === Register.None) return -1;
  if (reg === Register.RIP || reg === Register.EIP) return 16;
  return REG_NUM[reg];
}

function signed(v: bigint, addrSize: number): number {
  if (addrSize === 16) return (Number(v & 0xffffn) << 16) >> 16;
  if (addrSize === 32) return Number(v & 0xffffffffn) | 0;
  return Number(BigInt.asIntN(64, v));
}

/** Splits a signed 64-bit bigint into int32 halves. */
function halves(v: bigint): [number, number] {
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0];
}

function operand(ins: IcedModule, i: number, addrSize: number): Operand {
  const o = blankOperand();
  const kind = ins.opKind(i);
  switch (kind) {
    case OpKind.Register: {
      const reg = ins.opRegister(i);
      o.k = OK.Reg; o.rc = REG_CLASS[reg]; o.reg = REG_NUM[reg]; o.size = REG_SIZE[reg];
      break;
    }
    case OpKind.Memory: {
      o.k = OK.Mem;
      o.size = MEM_SIZE[ins.memorySize] ?? 0;
      o.seg = REG_NUM[ins.memorySegment];
      o.base = gprOf(ins.memoryBase);
      o.index = gprOf(ins.memoryIndex);
      o.scale = ins.memoryIndexScale;
      o.disp = signed(ins.memoryDisplacement, o.base === 16 ? 64 : addrSize);
      break;
    }
    case OpKind.Immediate8: o.k = OK.Imm; o.size = 1; o.lo = ins.immediate8; break;
    case OpKind.Immediate8_2nd: o.k = OK.Imm; o.size = 1; o.lo = ins.immediate8_2nd; break;
    case OpKind.Immediate16: o.k = OK.Imm; o.size = 2; o.lo = ins.immediate16; break;
    case OpKind.Immediate32: o.k = OK.Imm; o.size = 4; o.lo = ins.immediate32 | 0; break;
    case OpKind.Immediate8to16: o.k = OK.Imm; o.size = 2; o.lo = ins.immediate8to16 & 0xffff; break;
    case OpKind.Immediate8to32: o.k = OK.Imm; o.size = 4; o.lo = ins.immediate8to32 | 0; break;
    case OpKind.Immediate8to64:
      o.k = OK.Imm; o.size = 8; o.lo = ins.immediate8to32 | 0; o.hi = o.lo >> 31; break;
    case OpKind.Immediate32to64:
      o.k = OK.Imm; o.size = 8; o.lo = ins.immediate32 | 0; o.hi = o.lo >> 31; break;
    case OpKind.Immediate64: {
      o.k = OK.Imm; o.size = 8;
      [o.lo, o.hi] = halves(ins.immediate64);
      break;
    }
    case OpKind.NearBranch16: o.k = OK.Branch; o.size = 2; o.lo = ins.nearBranch16; break;
    case OpKind.NearBranch32: o.k = OK.Branch; o.size = 4; o.lo = ins.nearBranch32 | 0; break;
    case OpKind.NearBranch64: {
      o.k = OK.Branch; o.size = 8;
      [o.lo, o.hi] = halves(ins.nearBranch64);
      break;
    }
    case OpKind.FarBranch16:
    case OpKind.FarBranch32:
      o.k = OK.FarBranch; o.size = kind === OpKind.FarBranch16 ? 2 : 4;
      o.lo = ins.farBranchSelector;
      o.hi = kind === OpKind.FarBranch16 ? ins.farBranch16 : ins.farBranch32;
      break;
    default: {
      // String-instruction operands: [seg:(r|e)si] or es:[(r|e)di].
      o.k = OK.Mem;
      o.size = MEM_SIZE[ins.memorySize] ?? 0;
      const si = kind === OpKind.MemorySegSI || kind === OpKind.MemorySegESI || kind === OpKind.MemorySegRSI;
      const di = kind === OpKind.MemorySegDI || kind === OpKind.MemorySegEDI || kind === OpKind.MemorySegRDI;
      o.base = si ? 6 : 7;
      o.seg = si || di ? REG_NUM[ins.memorySegment] : 0;
      break;
    }
  }
  return o;
}
type IcedModule = InstanceType<typeof iced.Instruction>;

/** Converts a decoded iced instruction to IR. */
export function toInsn(ins: IcedModule, ip: number, bitness: number): Insn {
  const len = ins.length;
  const invalid = ins.isInvalid;
  const cs = ins.codeSize;
  const addrSize = invalid ? bitness : addressSizeOf(ins, bitness, cs);
  const opc = invalid ? 0 : ins.opCount;
  const ops: Operand[] = [];
  for (let i = 0; i < opc; i++) ops.push(operand(ins, i, addrSize));
  const op0 = ops[0];
  let opSize = op0 ? op0.size : 0;
  if (op0 && op0.k === OK.Mem && opSize === 0) opSize = MEM_SIZE[ins.memorySize] ?? 0;
  return {
    ip, len, next: ip + len,
    code: ins.code,
    mnem: ins.mnemonic,
    ops,
    opSize,
    addrSize,
    rep: ins.hasRepePrefix ? 1 : ins.hasRepnePrefix ? 2 : 0,
    lock: ins.hasLockPrefix,
    cc: ins.conditionCode,
    flow: ins.flowControl,
    fRead: ins.rflagsRead,
    fWritten: ins.rflagsModified,
    stackInc: invalid ? 0 : ins.stackPointerIncrement,
    memSize: ins.memorySize,
    invalid,
    features: invalid ? NO_FEATURES : featuresOf(ins.code, ins),
    privileged: ins.isPrivileged,
  };
}

function addressSizeOf(ins: IcedModule, bitness: number, _cs: number): number {
  // iced exposes the address size through the memory operand's registers; for forms without
  // registers (moffs, string ops) the 0x67 prefix is visible as a change of implicit register.
  const base = ins.memoryBase, index = ins.memoryIndex;
  const r = base !== Register.None ? base : index;
  if (r !== Register.None) {
    if (r === Register.RIP) return 64;
    if (r === Register.EIP) return 32;
    const size = REG_SIZE[r];
    if (size === 8 || size === 4 || size === 2) return size * 8;
  }
  for (let i = 0; i < ins.opCount; i++) {
    const k = ins.opKind(i);
    if (k === OpKind.MemorySegSI || k === OpKind.MemorySegDI || k === OpKind.MemoryESDI) return 16;
    if (k === OpKind.MemorySegESI || k === OpKind.MemorySegEDI || k === OpKind.MemoryESEDI) return 32;
    if (k === OpKind.MemorySegRSI || k === OpKind.MemorySegRDI || k === OpKind.MemoryESRDI) return 64;
  }
  return bitness;
}

export interface DecodedBlock {
  insns: Insn[];
  /** Bytes consumed. */
  size: number;
  /** The last instruction ran past the bytes given (it needs more of the next page). */
  truncated: boolean;
}

/**
 * Decodes instructions from `bytes` (which start at virtual address `ip`) until `stop` says the
 * block ends, `maxInsns` are decoded, or the bytes run out. Undecodable bytes become one
 * `invalid` instruction (the block ends there: executing it raises #UD).
 */
export function decodeRun(
  bytes: Uint8Array, ip: number, bitness: 16 | 32 | 64, maxInsns: number,
  stop: (insn: Insn) => boolean, wantText = false, options = DECODER_OPTIONS,
): DecodedBlock {
  const decoder = new iced.Decoder(bitness, bytes, options);
  const ins = new iced.Instruction();
  const insns: Insn[] = [];
  let pos = 0;
  let truncated = false;
  try {
    decoder.ip = BigInt.asUintN(64, BigInt(ip));
    while (insns.length < maxInsns && decoder.position < bytes.length) {
      decoder.decodeOut(ins);
      if (decoder.lastError === iced.DecoderError.NoMoreBytes) { truncated = true; break; }
      const insn = toInsn(ins, ip + pos, bitness);
      if (wantText) insn.text = insn.invalid ? '(bad)' : ins.toString();
      insns.push(insn);
      pos += insn.len;
      if (insn.invalid || stop(insn)) break;
    }
  } finally {
    ins.free();
    decoder.free();
  }
  return { insns, size: pos, truncated };
}

/** Formats one instruction from its bytes (diagnostics only). */
export function formatInstruction(bytes: Uint8Array, ip: number, bitness: 16 | 32 | 64): string {
  const r = decodeRun(bytes, ip, bitness, 1, () => true, true);
  return r.insns[0]?.text ?? '(truncated)';
}
