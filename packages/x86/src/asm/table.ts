// The instruction forms iced can encode, per mode, keyed by mnemonic. Built lazily from iced's
// OpCodeInfo tables so the assembler knows every form iced knows without a hand-written list.
import { Code, iced, Mnemonic, OpCodeOperandKind as K } from '../iced/iced.js';

export interface Form {
  code: number;
  mnemonic: string;
  /** OpCodeOperandKind of every operand, implicit ones included. */
  kinds: number[];
  /** Indexes into `kinds` of the operands a programmer writes (NASM omits string operands). */
  visible: number[];
  /** 0 (no operand size, e.g. 8-bit or SSE forms), 16, 32 or 64. */
  opSize: number;
  /** The operand size is the mode's default (no 66/REX.W needed), or there is none. */
  defaultSize: boolean;
  /** Memory operand size in bytes, 0 when the form has none or it is not fixed (lea, invlpg). */
  memSize: number;
  /** The memory operand is a far pointer (m16:16, m16:32, m16:64). */
  far: boolean;
}

/** String-instruction memory operands, which NASM's `movsb`/`lodsd`/`xlatb` leave unwritten. */
export const STRING_MEM = new Set<number>([K.seg_rSI, K.es_rDI, K.seg_rDI, K.seg_rBX_al]);
const ACCUMULATORS = new Set<number>([K.al, K.ax, K.eax, K.rax, K.dx]);

const tables = new Map<number, Map<string, Form[]>>();

function codeCount(): number {
  let n = 0;
  for (const v of Object.values(Code)) if (typeof v === 'number' && v >= n) n = v + 1;
  return n;
}

const MNEMONIC_NAMES: string[] = [];
for (const [k, v] of Object.entries(Mnemonic)) if (typeof v === 'number') MNEMONIC_NAMES[v] = k.toLowerCase();

function build(bitness: 16 | 32 | 64): Map<string, Form[]> {
  const map = new Map<string, Form[]>();
  const ins = new iced.Instruction();
  const farSizes = new Set<number>([iced.MemorySize.SegPtr16, iced.MemorySize.SegPtr32, iced.MemorySize.SegPtr64]);
  try {
    for (let code = 1, n = codeCount(); code < n; code++) {
      ins.code = code;
      const info = ins.opCode;
      try {
        // decoderOption != 0: forms iced decodes only on request (old/undocumented encodings).
        if (!info.isInstruction || !info.isAvailableInMode(bitness) || info.decoderOption !== 0) continue;
        if (info.encoding === iced.EncodingKind.MVEX) continue;
        const kinds: number[] = [];
        for (let i = 0; i < info.opCount; i++) kinds.push(info.opKind(i));
        const stringOp = kinds.some((k) => STRING_MEM.has(k) && k !== K.seg_rDI);
        const visible = kinds.flatMap((k, i) => (STRING_MEM.has(k) || (stringOp && ACCUMULATORS.has(k)) ? [] : [i]));
        const name = MNEMONIC_NAMES[info.mnemonic];
        // Only jmp/call spell a far pointer operand with `far`; lds/lss/... just take memory.
        const far = farSizes.has(info.memorySize) && (name === 'jmp' || name === 'call');
        // NASM's jmp/call far [mem] in 64-bit mode loads an m16:64 pointer.
        const wide = bitness === 64 && (info.defaultOpSize64 || info.forceOpSize64 || far);
        const defaultOpSize = bitness === 16 ? 16 : wide ? 64 : 32;
        const form: Form = {
          code, mnemonic: name, kinds, visible, far,
          opSize: info.operandSize,
          defaultSize: info.operandSize === 0 || info.operandSize === defaultOpSize,
          memSize: iced.MemorySizeExt.size(info.memorySize),
        };
        const list = map.get(name);
        if (list) list.push(form); else map.set(name, [form]);
      } finally {
        info.free();
      }
    }
  } finally {
    ins.free();
  }
  return map;
}

export function formsFor(bitness: 16 | 32 | 64, mnemonic: string): Form[] | undefined {
  let t = tables.get(bitness);
  if (!t) { t = build(bitness); tables.set(bitness, t); }
  return t.get(mnemonic);
}

const CC_ALIASES: Record<string, string> = {
  c: 'b', nae: 'b', nb: 'ae', nc: 'ae', z: 'e', nz: 'ne', na: 'be', nbe: 'a',
  pe: 'p', po: 'np', nge: 'l', nl: 'ge', ng: 'le', nle: 'g',
};

const ALIASES: Record<string, string> = {
  sal: 'shl', fwait: 'wait', xlat: 'xlatb', retn: 'ret', icebp: 'int1',
  loopz: 'loope', loopnz: 'loopne', iretw: 'iret', pushfw: 'pushf', popfw: 'popf', pushaw: 'pusha', popaw: 'popa',
};
for (const [from, to] of Object.entries(CC_ALIASES)) {
  for (const p of ['j', 'cmov', 'set']) ALIASES[p + from] = p + to;
}

/** NASM names whose iced mnemonic depends on the mode's operand size. */
const BY_MODE: Record<string, [string, string, string]> = {
  iret: ['iret', 'iretd', 'iretd'],
  pushf: ['pushf', 'pushfd', 'pushfq'],
  popf: ['popf', 'popfd', 'popfq'],
  pusha: ['pusha', 'pushad', 'pusha'],
  popa: ['popa', 'popad', 'popa'],
};

/** The iced mnemonic (lower case) for a NASM mnemonic in the given mode. */
export function canonicalMnemonic(name: string, bitness: 16 | 32 | 64): string {
  const m = name.toLowerCase();
  const byMode = BY_MODE[m];
  if (byMode) return byMode[bitness === 16 ? 0 : bitness === 32 ? 1 : 2];
  return ALIASES[m] ?? m;
}

const KNOWN = new Set<string>([...MNEMONIC_NAMES.filter(Boolean), ...Object.keys(ALIASES), ...Object.keys(BY_MODE)]);
KNOWN.delete('invalid');

const CMP_PREDICATES = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'];

/** SSE compare pseudo-ops: cmpltps x, y is cmpps x, y, 1. */
export function comparePseudoOp(name: string): { mnemonic: string; predicate: number } | undefined {
  const m = /^cmp([a-z]+)(ps|pd|ss|sd)$/.exec(name.toLowerCase());
  const predicate = m ? CMP_PREDICATES.indexOf(m[1]) : -1;
  return m && predicate >= 0 ? { mnemonic: `cmp${m[2]}`, predicate } : undefined;
}

/** Whether `name` is an instruction mnemonic in some mode (decides label-vs-instruction). */
export function isMnemonic(name: string): boolean {
  return KNOWN.has(name.toLowerCase()) || comparePseudoOp(name) !== undefined;
}
