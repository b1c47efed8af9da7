// Control transfer: every near branch form in 64-bit mode, set up so that taken and not-taken
// differ in state. Each case is `branch → L; marker; L:` where the marker (mov r15d, imm32) runs
// only when the branch falls through; indirect branches and RET get targets that are L, an
// unmapped page (#PF on fetch), the non-executable data region, or a non-canonical address (#GP).
import { Mnemonic as M } from '../../iced/iced.js';
import { listForms, type FormInfo } from '../../iced/forms.js';
import { DATA_BASE, type Case } from '../format.js';
import { CaseBuilder, RSP, type GenContext } from './builder.js';
import { isFlow } from './int.js';
import { pickOperands, setSlot } from './operands.js';
import type { Rng } from './rng.js';
import { le64 } from './values.js';

/**
 * Branch forms with a 16-bit operand size (66 prefix) are left out: Intel ignores the prefix on
 * near branches in 64-bit mode, AMD truncates RIP to 16 bits, so no single answer exists. Far
 * branches through memory load CS (they need the descriptor tables).
 */
export function flowForms(): FormInfo[] {
  return listForms(64).filter((f) => isFlow(f) && !/_16|rel16|rm16|^Retnw|_CX$|Jcxz|m16(16|32|64)/.test(f.name) && f.cpl3);
}

const MARKER = new Uint8Array([0x41, 0xbf, 0x78, 0x56, 0x34, 0x12]); // mov r15d, 0x12345678

function target(rng: Rng, l: number): bigint {
  // (Never into the middle of the marker: the bytes after a case differ between the two sides.)
  switch (rng.weighted([70, 10, 10, 10])) {
    case 0: return BigInt(l);
    case 1: return 0x30000000n + BigInt(rng.int(0x1000)); // unmapped
    case 2: return BigInt(DATA_BASE + rng.int(0x10000)); // present, not executable
    default: return rng.pick([0x8000000000000000n, 0x0000800000000000n, 0xffff7fffffffffffn]); // non-canonical
  }
}

export function flowCase(g: GenContext, f: FormInfo): Case | undefined {
  const b = new CaseBuilder(g);
  const rng = b.rng, val = b.val;
  try {
    if (f.mnem === M.Ret) return ret(b, f);
    if (f.mnem === M.Loop || f.mnem === M.Loope || f.mnem === M.Loopne || f.mnem === M.Jrcxz || f.mnem === M.Jecxz) {
      const c = val.pick([0n, 1n, 2n, 3n, 0x100000000n, 0x100000001n, 0xffffffffn, val.u64()]);
      b.setReg(1, c);
      if (f.mnem !== M.Jrcxz && f.mnem !== M.Jecxz && rng.bool(0.3)) {
        // A real loop: back to an increment of r14 until the count (1-30) runs out.
        const n = BigInt(val.range(1, 30));
        b.setReg(1, /ECX/.test(f.name) ? (val.u64() & ~0xffffffffn) | n : n);
        const top = b.ip;
        b.raw(new Uint8Array([0x49, 0xff, 0xc6])); // inc r14
        b.insn(f.code, [{ k: 'br', target: top }]);
        return b.build('integer');
      }
    }
    const direct = f.ops.length === 1 && /rel/.test(f.name);
    if (direct) {
      const len = b.sizeOf(f.code, [{ k: 'br', target: b.ip }]);
      const l = b.ip + len + MARKER.length;
      b.insn(f.code, [{ k: 'br', target: l }]);
      b.raw(MARKER);
      return b.build('integer');
    }
    // JMP/CALL r/m64: the operand holds the target.
    const avoid = new Set<number>([RSP]);
    const p = pickOperands(b, f, { avoid, memRate: 0.4 });
    const len = b.sizeOf(f.code, p.ops);
    const l = b.ip + len + MARKER.length;
    setSlot(b, p.slots[0], target(val, l));
    b.insn(f.code, p.ops);
    b.raw(MARKER);
    return b.build('integer');
  } catch (e) {
    if (e instanceof Error && /operand kind/.test(e.message)) throw e;
    return undefined;
  }
}

function ret(b: CaseBuilder, f: FormInfo): Case {
  const rng = b.rng;
  const imm = f.ops.length ? BigInt(rng.pick([0, 8, 16, 1, 3, rng.int(0x100), 0xfff8])) : undefined;
  const ops = imm === undefined ? [] : [{ k: 'imm' as const, v: imm }];
  const len = b.sizeOf(f.code, ops);
  const l = b.ip + len + MARKER.length;
  b.fixed.add(RSP);
  b.patch(Number(b.gpr[RSP] - BigInt(DATA_BASE)), le64(target(b.val, l)));
  b.insn(f.code, ops);
  b.raw(MARKER);
  return b.build('integer');
}
