// The differential oracle: the same instruction bytes from the same state on the host CPU (a
// gcc-built harness) and on Serval, compared register by register, flag by flag, byte by byte.
// Every group must show 0 mismatches; together they must compare at least 100,000 cases. Each
// group prints its outcome mix, the forms it covered, what Serval does not implement yet (those
// cases do not count) and the known engine issues (known.ts) it tolerated.
//
// SERVAL_DIFFTEST_SCALE (default 1) multiplies the corpus; SERVAL_DIFFTEST_SEED changes it.
import { describe, expect, it, type TestContext } from 'vitest';
import { harnessProblem, hasGcc, nativeSupported } from './native.js';
import { makeWorld, summary, type GroupStats } from './runner.js';
import { plans, runPlan } from './gen/corpus.js';

const SCALE = Number(process.env.SERVAL_DIFFTEST_SCALE ?? 1);
const SEED = Number(process.env.SERVAL_DIFFTEST_SEED ?? 1);
const REQUIRED = 100_000;

/** Skips without gcc or off x86-64 Linux, except under CI (SERVAL_REQUIRE_TOOLS=1), where that fails. */
function requireHost(ctx: TestContext): void {
  const why = !nativeSupported() ? `the native reference needs x86-64 Linux (this is ${process.platform}/${process.arch})`
    : !hasGcc() ? 'gcc not found: install gcc (apt-get install -y gcc libc6-dev)' : harnessProblem();
  if (!why) return;
  if (process.env.SERVAL_REQUIRE_TOOLS === '1') throw new Error(why);
  ctx.skip(why);
}

describe('differential test against the host CPU', () => {
  const world = makeWorld(SEED);
  const all = plans(SCALE);
  const stats = new Map<string, GroupStats>();
  const groups = [...new Set(all.map((p) => p.group))];

  groups.forEach((group, gi) => {
    it(`${group}: 0 mismatches`, (ctx) => {
      requireHost(ctx);
      const t0 = Date.now();
      all.filter((p) => p.group === group).forEach((p, pi) => runPlan(p, world, SEED * 1_000_000 + gi * 100_000 + pi * 20_000, stats));
      const g = stats.get(group);
      expect(g, `no ${group} cases ran`).toBeDefined();
      if (!g) return;
      if (g.counted === 0 && g.hostSkipped > 0) ctx.skip('this host cannot run 32-bit code (no IA32 emulation)');
      console.log(`${summary(g)}\n  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      for (const [id, r] of g.knownReports) console.log(`  known issue ${id}, for example:\n${r.replace(/^/gm, '    ')}`);
      if (g.softReports.length) console.log(`  vendor-specific differences, for example:\n${g.softReports.slice(0, 2).join('\n').replace(/^/gm, '    ')}`);
      expect(g.reports.join('\n\n')).toBe('');
      expect(g.mismatches).toBe(0);
      expect(g.counted).toBeGreaterThan(0);
    }, 900_000);
  });

  it(`compares at least ${REQUIRED} cases in all`, (ctx) => {
    requireHost(ctx);
    const counted = [...stats.values()].reduce((n, g) => n + g.counted, 0);
    const pending = [...stats.values()].reduce((n, g) => n + g.cases - g.counted, 0);
    console.log(`difftest: ${counted} cases compared with the host CPU ` +
      `(${[...stats.values()].map((g) => `${g.group} ${g.counted}`).join(', ')}); ` +
      `${pending} more wait for instructions Serval does not implement yet`);
    expect(counted).toBeGreaterThanOrEqual(REQUIRED * Math.min(1, SCALE));
  });
});
