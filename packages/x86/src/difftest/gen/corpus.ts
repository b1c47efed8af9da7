// Turns generators into a corpus: each structure seed gives one case layout (the same code bytes)
// run from several start states, so the engine compiles it once for all of them. `GROUPS` says
// how many layouts and states each group gets; the test runs them in chunks.
import type { Case, Run } from '../format.js';
import { execute, type GroupStats } from '../runner.js';
import type { GenContext } from './builder.js';
import { flowCase, flowForms } from './flow.js';
import { cx16Form, intCase, intForms, privilegedForms } from './int.js';
import { CPUID1_ECX } from '../../cpuid.js';
import { Rng } from './rng.js';
import { seqCase } from './seq.js';
import { simdCase, simdForms } from './sse.js';
import { STRING_OPS, stringCase } from './string.js';
import { x87Case, x87Forms } from './x87.js';

export type CaseGen = (g: GenContext) => Case | undefined;

/** `k` variants of the case `gen` builds from structure seed `seed` (none if it cannot be built). */
export function variants(gen: CaseGen, seed: number, k: number, images: number, pool: number): Case[] {
  const out: Case[] = [];
  for (let v = 0; v < k; v++) {
    const c = gen({ s: new Rng(seed), v: new Rng(Math.imul(seed, 0x2c1b3c6d) ^ (v * 0x9e3779b9 + 0x1234567)), images, pool });
    if (!c) break;
    out.push(c);
  }
  return out;
}

export interface GroupPlan {
  /** Group name as the cases carry it ('integer', 'string', ...). */
  group: string;
  /** One generator per case layout. */
  layouts: CaseGen[];
  /** Start states per layout. */
  variants: number;
  /** Serval advertises these CPUID.1:ECX bits for this plan (extensions off by default). */
  extraEcx1?: number;
}

const times = (n: number, f: (i: number) => CaseGen[]): CaseGen[] => Array.from({ length: n }, (_, i) => f(i)).flat();

/**
 * The corpus per group at `scale` 1: about 100k integer and string cases and 30k x87/SSE/SSE2/MMX
 * cases (a form each layout round, so every form is covered at any scale).
 */
export function plans(scale = 1): GroupPlan[] {
  const r = (n: number) => Math.max(1, Math.round(n * scale));
  const priv = privilegedForms();
  return [
    {
      group: 'integer', variants: 8,
      layouts: [
        ...times(r(18), () => intForms().map((f) => (g: GenContext) => intCase(g, f))),
        ...times(r(12), () => flowForms().map((f) => (g: GenContext) => flowCase(g, f))),
        ...times(r(2), () => priv.map((f) => (g: GenContext) => intCase(g, f))),
      ],
    },
    { group: 'integer', variants: 4, layouts: times(r(2000), () => [seqCase]) },
    // CMPXCHG16B: implemented, advertised only when a host sets CPUID.1:ECX.CX16.
    { group: 'integer', variants: 8, extraEcx1: CPUID1_ECX.CX16, layouts: times(r(60), () => [(g: GenContext) => intCase(g, cx16Form())]) },
    { group: 'integer32', variants: 6, layouts: times(r(5), () => intForms(32).map((f) => (g: GenContext) => intCase(g, f, true))) },
    { group: 'string', variants: 6, layouts: times(r(400), () => STRING_OPS.map((op) => (g: GenContext) => stringCase(g, op))) },
    { group: 'x87', variants: 6, layouts: [
      ...times(r(10), () => x87Forms().map((f) => (g: GenContext) => x87Case(g, f))),
      ...times(r(200), (i) => [(g: GenContext) => x87Case(g, x87Forms()[i % x87Forms().length], 2 + (i % 4))]),
    ] },
    { group: 'sse', variants: 6, layouts: times(r(12), () => simdForms('sse').map((f) => (g: GenContext) => simdCase(g, f, 'sse'))) },
    { group: 'sse2', variants: 6, layouts: times(r(12), () => simdForms('sse2').map((f) => (g: GenContext) => simdCase(g, f, 'sse2'))) },
    { group: 'mmx', variants: 6, layouts: times(r(12), () => simdForms('mmx').map((f) => (g: GenContext) => simdCase(g, f, 'mmx'))) },
  ];
}

/**
 * Generates and runs one plan in chunks (memory stays bounded), accumulating into `acc`. Layout
 * seeds come from `seed`, so every run of a plan is the same corpus.
 */
export function runPlan(plan: GroupPlan, world: Pick<Run, 'images' | 'fpPool'>, seed: number, acc: Map<string, GroupStats>, chunk = 12000): void {
  let cases: Case[] = [];
  const flush = () => {
    if (cases.length) execute({ ...world, cases, extraEcx1: plan.extraEcx1 }, acc);
    cases = [];
  };
  plan.layouts.forEach((gen, i) => {
    cases.push(...variants(gen, seed + i, plan.variants, world.images.length, world.fpPool.length));
    if (cases.length >= chunk) flush();
  });
  flush();
}
