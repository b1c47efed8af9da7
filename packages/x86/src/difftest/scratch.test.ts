import { it } from 'vitest';
import { execute, makeWorld, summary, IMAGES, POOL } from './runner.js';
import { intCase, intForms } from './gen/int.js';
import { flowCase, flowForms } from './gen/flow.js';
import { seqCase } from './gen/seq.js';
import { stringCase, STRING_OPS } from './gen/string.js';
import { variants, type CaseGen } from './gen/corpus.js';
import type { Case } from './format.js';
import { compareOutcome, report } from './compare.js';

it('scratch', () => {
  const t0 = Date.now();
  const world = makeWorld(1);
  let seed = Number(process.env.SEED ?? 2) * 100000;
  const cases: Case[] = [];
  const N = Number(process.env.N ?? 5), K = Number(process.env.K ?? 4);
  const G = process.env.G ?? 'int';
  const add = (g: CaseGen) => cases.push(...variants(g, seed++, K, IMAGES, POOL));
  const ff = (name: string) => !process.env.F || new RegExp(process.env.F).test(name);
  if (G === 'int') for (const f of intForms().filter((f) => ff(f.name))) for (let i = 0; i < N; i++) add((g) => intCase(g, f));
  if (G === 'flow') for (const f of flowForms().filter((f) => ff(f.name))) for (let i = 0; i < N; i++) add((g) => flowCase(g, f));
  if (G === 'seq') for (let i = 0; i < N; i++) add(seqCase);
  if (G === 'str') for (const op of STRING_OPS) for (let i = 0; i < N; i++) add((g) => stringCase(g, op));
  const t1 = Date.now();
  console.log('generated', cases.length, t1 - t0, 'ms');
  const run = { ...world, cases };
  const r = execute(run, 0);
  console.log('executed', Date.now() - t1, 'ms');
  for (const g of r.groups.values()) console.log(summary(g, !!process.env.FORMS));
  const byForm = new Map<string, string[]>();
  cases.forEach((c, k) => {
    const v = compareOutcome(c, r.native[k], r.serval[k]);
    if (v.kind !== 'mismatch') return;
    const key = process.env.BYTEXT ? c.text.split(' ')[0] : c.forms.join('+');
    if (!byForm.has(key)) byForm.set(key, []);
    byForm.get(key)!.push(report(c, v));
  });
  for (const [k, v] of byForm) console.log(`== ${k} x${v.length}\n${v.slice(0, Number(process.env.S ?? 1)).join('\n')}`);
}, 600000);
