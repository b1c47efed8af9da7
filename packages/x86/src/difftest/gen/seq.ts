// Random straight-line sequences of 2-10 integer instructions: they exercise what single
// instructions cannot, the lazy-flag liveness across instructions (a flag written by one and read
// by a later one, partial flag writers, shifts by a zero count) and partial-register merges.
// Memory operands go through r13, which no instruction of the sequence writes; no instruction may
// read a flag an earlier one left undefined.
import { Mnemonic as M } from '../../iced/iced.js';
import { decodeForms, type FormInfo } from '../../iced/forms.js';
import { DATA_BASE, type Case } from '../format.js';
import { CaseBuilder, RSP, type GenContext } from './builder.js';
import { intForms } from './int.js';
import { pickOperands } from './operands.js';

const BASE = 13;
// Left out of sequences: they trap or fault by design (the sequence would stop at the first one),
// load flags from memory (POPF could set TF/AC), or move the frame/stack pointer arbitrarily.
const SKIP = new Set<number>([M.Popf, M.Popfq, M.Popfd, M.Ud0, M.Ud1, M.Ud2, M.Int3, M.Int1, M.Enter, M.Leave,
  M.Div, M.Idiv, M.Cmpxchg16b]);

let pool: FormInfo[] | undefined;
function forms(): FormInfo[] {
  // (16-bit SHLD/SHRD are left out too: with a count above 16 their result is undefined.)
  // (Hint NOPs are left out as well: known.ts.)
  pool ??= intForms().filter((f) => !SKIP.has(f.mnem) &&
    !/^(Shld|Shrd)_rm16|^Bswap_r16|^Reservednop|^Cldemote|^Prefetchit|^Prefetchwt1|^Endbr/.test(f.name));
  return pool;
}

export function seqCase(g: GenContext): Case | undefined {
  const b = new CaseBuilder(g);
  const rng = b.rng;
  b.setReg(BASE, BigInt(DATA_BASE + 0x1000 + rng.int(0xe000)));
  const avoid = new Set<number>([BASE, RSP]);
  const n = rng.range(2, 10);
  let undef = 0;
  for (let k = 0; k < n; k++) {
    let placed = false;
    for (let tries = 0; tries < 10 && !placed; tries++) {
      const f = rng.pick(forms());
      // Implicit writers of r13 do not exist; implicit users of rSP (push/pop/call) keep it in the region.
      try {
        const p = pickOperands(b, f, { avoid, memBase: BASE, memRate: 0.35, outside: 0.005 });
        const bytes = b.encodeHere(f.code, p.ops);
        const [d] = decodeForms(bytes, b.ip);
        if (d.flagsRead & undef) continue;
        b.raw(bytes);
        b.forms.push(f.name);
        const defined = d.flagsWritten & ~d.flagsUndefined;
        if (!/^(rol|ror|rcl|rcr|shl|sal|shr|sar|shld|shrd) /.test(d.text)) undef &= ~defined;
        undef |= d.flagsUndefined;
        placed = true;
      } catch {
        // operands that cannot be encoded together: draw again
      }
    }
  }
  if (b.forms.length === 0) return undefined;
  return b.build('integer');
}
