// Turns generators into a corpus: each structure seed gives one case layout (the same code bytes)
// run from several start states, so the engine compiles it once for all of them.
import type { Case } from '../format.js';
import type { GenContext } from './builder.js';
import { Rng } from './rng.js';

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
