// Instructions the host CPU may well have but Serval does not advertise (SSE3 and later, AVX/AVX2
// and the other VEX extensions, BMI, POPCNT, MOVBE, ADX, RDRAND, RDTSCP, FSGSBASE, ...): Serval
// must raise #UD for every one, as a CPU without the feature does. Serval alone runs these (the
// host would execute them); a sample of forms per feature, each with random operands.
import { describe, expect, it } from 'vitest';
import { CpuidFeature as F, listForms, type FormInfo } from '../iced/forms.js';
import { ServalRunner } from './serval.js';
import { makeWorld } from './runner.js';
import { CaseBuilder } from './gen/builder.js';
import { pickOperands } from './gen/operands.js';
import { Rng } from './gen/rng.js';
import { SERVAL_FEATURES } from './gen/int.js';
import type { Case } from './format.js';

/**
 * Encodings that do not fault on a CPU without their feature, so #UD would be wrong: the hint-NOP
 * space (known.ts), CLFLUSHOPT (without it, 66 0F AE /7 is CLFLUSH), LZCNT/TZCNT (F3 0F BD/BC run
 * as BSR/BSF) and PREFETCHW-class hints. Features that are not user-mode ISA extensions at all
 * (VMX/SVM/SMX/SGX, MONITOR, PKU, CET shadow stacks, TSX, privileged-only ones) are skipped.
 */
const NOT_UD = new Set<number>([F.CET_IBT, F.CLDEMOTE, F.PREFETCHITI, F.PREFETCHWT1, F.CLFLUSHOPT, F.LZCNT, F.PREFETCHW,
  F.MULTIBYTENOP, F.PAUSE]);
const SKIP = /VMX|SVM|SMX|SGX|MONITOR|PKU|CET_SS|RTM|HLE|ENQCMD|UINTR|TSXLDTRK|SERIALIZE|PTWRITE|WAITPKG|PADLOCK|CYRIX|KNC|MPX|KL|AMX|RDPRU|MCOMMIT|INVLPGB|SEV|TDX|RAO|CMPCCXADD|MSRLIST|WRMSRNS|PCONFIG|FRED|LKGS|HRESET|SNP|SMM|UDBG|D3NOW|TSC$|RDPMC/;
const featureName = Object.fromEntries(Object.entries(F).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k])) as Record<number, string>;

function candidates(): Map<string, FormInfo[]> {
  const byFeature = new Map<string, FormInfo[]>();
  for (const f of listForms(64, true)) {
    if (f.privileged || !f.cpl3 || f.io) continue;
    const missing = f.features.filter((x) => !SERVAL_FEATURES.has(x));
    if (missing.length === 0 || missing.some((x) => NOT_UD.has(x) || SKIP.test(featureName[x]))) continue;
    if (f.features.includes(F.BMI1) && /^Tzcnt/.test(f.name)) continue; // F3 0F BC: BSF without BMI1
    const key = missing.map((x) => featureName[x]).join('+');
    if (!byFeature.has(key)) byFeature.set(key, []);
    byFeature.get(key)!.push(f);
  }
  return byFeature;
}

describe('instructions Serval does not advertise', () => {
  it('raise #UD (a sample of every unadvertised ISA extension)', () => {
    const world = makeWorld(7);
    const rng = new Rng(99);
    const cases: Case[] = [];
    const byFeature = candidates();
    for (const forms of byFeature.values()) {
      for (let k = 0; k < Math.min(forms.length, 12); k++) {
        const f = forms[Math.floor((k * forms.length) / Math.min(forms.length, 12))];
        const b = new CaseBuilder({ s: new Rng(rng.u32()), v: new Rng(rng.u32()), images: world.images.length, pool: world.fpPool.length });
        try {
          const p = pickOperands(b, f, { memRate: 0.3, outside: 0 });
          b.insn(f.code, p.ops);
          cases.push(b.build('ud'));
        } catch {
          // a form whose operands this generator cannot draw (k registers, VSIB...): skip it
        }
      }
    }
    const run = { ...world, cases };
    const serval = new ServalRunner(run, [0x2b, 0x33, 0x2b, 0x2b, 0, 0]);
    const wrong: string[] = [];
    for (const c of cases) {
      const o = serval.exec(c);
      if (!(o.status === 1 && o.trapno === 6)) wrong.push(`${c.text}: ${o.status === 3 ? `unimplemented (${o.what})` : o.status === 1 ? `vector ${o.trapno}` : 'completed'}`);
    }
    console.log(`#UD check: ${cases.length} instructions from ${byFeature.size} unadvertised feature sets: ${[...byFeature.keys()].sort().join(', ')}`);
    expect(wrong).toEqual([]);
    expect(cases.length).toBeGreaterThan(200);
  }, 120_000);
});
