// Picks the encoding of one instruction: every form whose operand kinds accept the operands is
// encoded with iced at the instruction's address, and the shortest wins (ties go to iced's table
// order, which puts the classic opcodes first, as NASM does).
import { Code, iced, OpCodeOperandKind as K, Register } from '../iced/iced.js';
import { AsmIssue, issue } from './errors.js';
import { buildInstruction } from './build.js';
import { IMM8_SEX, matchForm, SHORT_BRANCH } from './match.js';
import { lookupRegister, type RegInfo } from './registers.js';
import type { ROp } from './resolve.js';
import { canonicalMnemonic, comparePseudoOp, formsFor, type Form } from './table.js';

type Encoder = InstanceType<typeof iced.Encoder>;

export interface EncodeEnv {
  bitness: 16 | 32 | 64;
  ip: bigint;
  encoder: Encoder;
  /** Forbid value-dependent short forms: keeps a statement's size fixed once it oscillated. */
  long: boolean;
}

export interface InsnPrefixes { lock: boolean; rep: '' | 'rep' | 'repne' }

export function encodeInstruction(mnemonic: string, ops: ROp[], prefixes: InsnPrefixes, env: EncodeEnv): Uint8Array {
  const pseudo = comparePseudoOp(mnemonic);
  if (pseudo) {
    const imm: ROp = { k: 'imm', v: BigInt(pseudo.predicate), size: 0, jump: '', reloc: false };
    return encodeInstruction(pseudo.mnemonic, [...ops, imm], prefixes, env);
  }
  const name = canonicalMnemonic(mnemonic, env.bitness);
  const forms = formsFor(env.bitness, name);
  if (!forms) issue(`instruction '${mnemonic}' is not available in ${env.bitness}-bit mode`);
  let best: Uint8Array | undefined;
  let bestSbyte = false;
  let lastError: unknown;
  let matched = false;
  for (const variant of variants(name, ops, env)) {
    const cands = candidates(forms, variant, env);
    if (cands.length > 0) matched = true;
    for (const form of cands) {
      try {
        const bytes = encodeForm(form, variant, prefixes, env);
        // Equal length: NASM prefers the sign-extended byte immediate (add ax, 127 is 83 /0).
        const sbyte = form.kinds.some((k) => IMM8_SEX.has(k));
        if (!best || bytes.length < best.length || (bytes.length === best.length && sbyte && !bestSbyte)) {
          best = bytes;
          bestSbyte = sbyte;
        }
      } catch (e) {
        lastError = e;
      }
    }
  }
  if (best) return best;
  if (matched) {
    if (lastError instanceof AsmIssue) throw lastError;
    issue(describeIcedError(lastError));
  }
  if (name === 'movsx') return encodeInstruction('movsxd', ops, prefixes, env);
  const loose = variants(name, ops, env).some((v) => forms.some((f) => matchForm(f, v, { anyImm: true })));
  issue(loose ? 'immediate value out of range' : 'invalid combination of opcode and operands');
}

function encodeForm(form: Form, ops: ROp[], prefixes: InsnPrefixes, env: EncodeEnv): Uint8Array {
  const ins = buildInstruction(form, ops, env);
  try {
    if (prefixes.lock) ins.hasLockPrefix = true;
    if (prefixes.rep === 'rep') ins.hasRepePrefix = true;
    if (prefixes.rep === 'repne') ins.hasRepnePrefix = true;
    try {
      env.encoder.encode(ins, BigInt.asUintN(64, env.ip));
    } catch (e) {
      env.encoder.takeBuffer();   // a failed encode can leave partial bytes behind
      throw e;
    }
    return env.encoder.takeBuffer();
  } finally {
    ins.free();
  }
}

/** The forms accepting `ops`, narrowed the way NASM resolves ambiguity. */
function candidates(forms: Form[], ops: ROp[], env: EncodeEnv): Form[] {
  let c = forms.filter((f) => matchForm(f, ops) && !excluded(f, ops, env));
  // Without a register to fix the operand size (push 5, jmp [rax], ret) use the mode's default.
  if (c.some((f) => f.defaultSize)) c = c.filter((f) => f.defaultSize);
  // NASM loads an address into a 64-bit register with a full imm64 (mov rax, label).
  if (ops.some((o) => o.k === 'imm' && o.reloc) && c.some((f) => f.kinds.includes(K.imm64))) {
    c = c.filter((f) => f.kinds.includes(K.imm64));
  }
  if (env.long) {
    const long = c.filter((f) => !f.kinds.some((k) => SHORT_BRANCH.has(k)));
    if (long.length) c = long;
  }
  const unsized = ops.some((o) => o.k === 'mem' && o.size === 0);
  if (unsized && new Set(c.map((f) => f.memSize)).size > 1) issue('operation size not specified');
  return c;
}

function excluded(f: Form, ops: ROp[], env: EncodeEnv): boolean {
  // 90 is nop in 64-bit mode, not a zero-extending xchg eax, eax.
  return env.bitness === 64 && f.code === Code.Xchg_r32_EAX && ops[0].k === 'reg' && ops[0].reg.reg === Register.EAX;
}

const reg = (r: RegInfo): ROp => ({ k: 'reg', reg: r });
const ST0 = () => reg(lookupRegister('st0')!);
const ST1 = () => reg(lookupRegister('st1')!);

function widen32(r: RegInfo): RegInfo {
  return lookupRegister(iced.Register[iced.RegisterExt.fullRegister32(r.reg)] as string)!;
}

/** The operand lists to try (shortest result wins, ties go to the earlier): as written, plus
 * NASM's shorthands and optimizations. */
function variants(name: string, ops: ROp[], env: EncodeEnv): ROp[][] {
  const out: ROp[][] = [];
  const [a, b] = ops;
  if (name === 'mov' && ops.length === 2 && a.k === 'reg' && a.reg.cls === 'gpr' && a.reg.size === 8 &&
      b.k === 'imm' && b.size === 0 && !b.reloc && b.v >= 0n && b.v <= 0xffff_ffffn) {
    // mov rax, imm32 zero-extends through eax: 5 bytes instead of 7 or 10.
    out.push([reg(widen32(a.reg)), b]);
  }
  if (name === 'imul' && ops.length === 2 && a.k === 'reg' && b.k === 'imm') out.push([a, a, b]);
  if (name === 'arpl' && a?.k === 'reg' && b?.k === 'reg' && a.reg.size === 2 && b.reg.size === 2) {
    out.push([reg(widen32(a.reg)), reg(widen32(b.reg))]);   // arpl is 16-bit only: no 66 prefix
  }
  if ((name === 'aam' || name === 'aad') && ops.length === 0) out.push([{ k: 'imm', v: 10n, size: 0, jump: '', reloc: false }]);
  // NASM encodes xchg reg, reg with the first register in ModRM.reg, i.e. the swapped form.
  if (name === 'xchg' && ops.length === 2) out.push([b, a]);
  out.push(ops);
  if (name === 'test' && ops.length === 2) out.push([b, a]);
  if (name.startsWith('f')) {
    // fxch/fcom alone mean st1; faddp alone is faddp st1, st0; fadd st3 is fadd st0, st3.
    if (ops.length === 0) out.push([ST0(), ST1()], [ST1(), ST0()], [ST1()]);
    if (ops.length === 1 && a.k === 'reg' && a.reg.cls === 'st') out.push([ST0(), a], [a, ST0()]);
  }
  return out;
}

function describeIcedError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Branch distance is too far|diff must fit in an i8/.test(msg)) return 'short jump out of range';
  if (/RIP relative distance/.test(msg)) return 'RIP-relative target out of range';
  if (/Displacement must fit/.test(msg)) return 'displacement out of range';
  if (/AH, CH, DH, BH/.test(msg)) return "ah/bh/ch/dh cannot be used with a REX prefix";
  return `cannot encode: ${msg.replace(/\s*\([^()]*\)\s*$/, '')}`;
}
