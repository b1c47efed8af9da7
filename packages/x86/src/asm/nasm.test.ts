// The assembler against the reference: NASM must produce the same bytes for every corpus line,
// or (where iced legitimately orders prefixes differently) the same decoded instruction.
import { describe, expect, it, type TestContext } from 'vitest';
import { corpus16, corpus32 } from './corpus-32-16.js';
import { corpus64 } from './corpus-64.js';
import { compareWithNasm, hex, nasmVersion, type LineResult } from './nasm-harness.js';

const NASM = nasmVersion();
const MISSING = 'nasm not found: install nasm (apt-get install -y nasm)';

/** Skips without nasm, except under CI (SERVAL_REQUIRE_TOOLS=1), where a missing reference fails. */
function requireNasm(ctx: TestContext): void {
  if (NASM) return;
  if (process.env.SERVAL_REQUIRE_TOOLS === '1') throw new Error(MISSING);
  ctx.skip(MISSING);
}

const show = (r: LineResult) => `${r.line}\n  ours: ${hex(r.ours)}  (${r.oursText})\n  nasm: ${hex(r.nasm)}  (${r.nasmText})`;

describe('assembler vs NASM', () => {
  const cases: [string, () => string[], 16 | 32 | 64, number][] = [
    ['64-bit', corpus64, 64, 0x1000],
    ['32-bit', corpus32, 32, 0x100000],
    ['16-bit', corpus16, 16, 0x7c00],
  ];
  for (const [name, corpus, bitness, origin] of cases) {
    it(`${name} corpus matches nasm -f bin`, (ctx) => {
      requireNasm(ctx);
      const lines = corpus();
      const r = compareWithNasm(lines, bitness, origin);
      console.log(
        `${name}: ${r.total} instruction/data lines, ${r.identical} byte-identical to ${NASM}, ` +
        `${r.equivalent.length} equivalent encodings, ${r.mismatched.length} mismatched` +
        r.equivalent.map((e) => `\n  equivalent: ${show(e)}`).join(''),
      );
      expect(r.mismatched.map(show)).toEqual([]);
      expect(r.total).toBeGreaterThan(bitness === 16 ? 100 : 400);
      // Equivalent-but-different encodings are the exception (prefix order), not the rule.
      expect(r.equivalent.length).toBeLessThanOrEqual(2);
    });
  }
});
