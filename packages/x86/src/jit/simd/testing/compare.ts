// Test support: runs instruction forms from random starting states on the CPU and on the emulator
// and reports every difference. Memory operands are written against RSI/RDI, which point into the
// data window (mostly 16-byte aligned, sometimes not, so that alignment faults are compared too).
import { assemble } from '../../../asm/index.js';
import type { Cpu } from '../../../cpu.js';
import { Emu } from './emu.js';
import { runNative } from './native.js';
import { describeCase, diffResults, randomState, Rng, type SimdCase, type StateOptions, WIN_ADDR } from './state.js';

export interface CompareOptions {
  seed?: number;
  /** Random states per form. */
  perForm?: number;
  /** Probability (0-1) that RSI/RDI are left misaligned. */
  misaligned?: number;
  /** Byte offsets (into the window) RSI may take; overrides the random choice. */
  offsets?: number[];
  state?: StateOptions;
  /** Adjusts each generated case (after RSI/RDI are set). */
  tweak?: (c: SimdCase, rng: Rng) => void;
  /** Emulator-only state changes (CR0/CR4 bits the native side cannot change). */
  setup?: (cpu: Cpu, c: SimdCase) => void;
}

export function encode(text: string, bitness: 64 | 32 = 64): Uint8Array {
  return assemble(text, { bitness, origin: 0x310000 }).bytes;
}

export function makeCases(forms: string[], o: CompareOptions = {}): SimdCase[] {
  const rng = new Rng(o.seed ?? 12345);
  const cases: SimdCase[] = [];
  for (const text of forms) {
    const code = encode(text);
    for (let k = 0; k < (o.perForm ?? 24); k++) {
      const c = randomState(rng, code, text, o.state);
      const off = () => {
        if (o.offsets) return rng.pick(o.offsets);
        return rng.u32() / 4294967296 < (o.misaligned ?? 0.15) ? rng.below(225) : 16 * rng.below(15);
      };
      c.gpr[6] = BigInt(WIN_ADDR + off());
      c.gpr[7] = BigInt(WIN_ADDR + off());
      o.tweak?.(c, rng);
      cases.push(c);
    }
  }
  return cases;
}

let shared: Emu | undefined;
/** One emulator per test file (worker): code slots and compiled blocks are reused across tests. */
export function emulator(): Emu {
  shared ??= new Emu();
  return shared;
}

/** Runs `cases` on both sides; returns a report of the first few mismatches ('' when all agree). */
export function compareCases(exe: string, cases: SimdCase[], setup?: CompareOptions['setup'], limit = 6): string {
  const want = runNative(exe, cases);
  const got = emulator().run(cases, setup);
  const bad: string[] = [];
  let n = 0;
  cases.forEach((c, k) => {
    const d = diffResults(want[k], got[k]);
    if (d.length === 0) return;
    n++;
    if (bad.length < limit) bad.push(`${describeCase(c)}\n  => ${d.join('\n  => ')}`);
  });
  return n === 0 ? '' : `${n} of ${cases.length} cases differ:\n${bad.join('\n\n')}`;
}

export function compareForms(exe: string, forms: string[], o: CompareOptions = {}): string {
  return compareCases(exe, makeCases(forms, o), o.setup);
}

/** Runs cases on the emulator only (for conditions the native side cannot set up). */
export function runEmu(cases: SimdCase[], setup?: CompareOptions['setup']) {
  return emulator().run(cases, setup);
}
