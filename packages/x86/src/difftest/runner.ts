// Runs a corpus on both sides and tallies the verdicts per group: cases that count (both sides ran
// them), mismatches with their reports, undefined-flag and vendor-specific differences, forms Serval
// does not implement yet, and the forms covered.
import { compareOutcome, report } from './compare.js';
import { knownIssue } from './known.js';
import type { Case, Outcome, Run } from './format.js';
import { runNative } from './native.js';
import { runServal } from './serval.js';
import { Rng } from './gen/rng.js';
import { makeFx, makeImage } from './gen/world.js';

export interface GroupStats {
  group: string;
  cases: number;
  /** Cases both sides ran (Serval did not stop at an unimplemented instruction). */
  counted: number;
  mismatches: number;
  /** The first few mismatch reports. */
  reports: string[];
  undefFlagDiffs: number;
  softDiffs: number;
  softReports: string[];
  /** Forms whose cases stopped at an unimplemented instruction → case count. */
  notImplemented: Map<string, number>;
  /** Forms covered by counted cases → case count. */
  forms: Map<string, number>;
  /** How the counted cases ended on the host: completed / signal name → count. */
  endings: Map<string, number>;
  /** Mismatches explained by a known engine issue (known.ts) → count, with one example each. */
  known: Map<string, number>;
  knownReports: Map<string, string>;
  /** Cases the host could not run (32-bit code on a kernel without IA32 emulation). */
  hostSkipped: number;
}

export const IMAGES = 8;
export const POOL = 256;

/** The images and FXSAVE pool every case of a run refers to. */
export function makeWorld(seed: number): Pick<Run, 'images' | 'fpPool'> {
  const rng = new Rng(seed);
  const images = Array.from({ length: IMAGES }, () => makeImage(rng));
  const fpPool = Array.from({ length: POOL }, () => makeFx(rng));
  return { images, fpPool };
}

function stats(group: string): GroupStats {
  return {
    group, cases: 0, counted: 0, mismatches: 0, reports: [], undefFlagDiffs: 0, softDiffs: 0, softReports: [],
    notImplemented: new Map(), forms: new Map(), endings: new Map(), known: new Map(), knownReports: new Map(), hostSkipped: 0,
  };
}

const SIGNALS: Record<number, string> = { 4: 'SIGILL', 5: 'SIGTRAP', 7: 'SIGBUS', 8: 'SIGFPE', 11: 'SIGSEGV' };
const bump = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

export interface Executed {
  groups: Map<string, GroupStats>;
  native: Outcome[];
  serval: Outcome[];
}

/** Runs `run` on both sides; verdicts accumulate into `groups` (pass the same map for every chunk). */
export function execute(run: Run, groups = new Map<string, GroupStats>(), maxReports = 20): Executed {
  let t = Date.now();
  const nat = runNative(run);
  const tn = Date.now() - t; t = Date.now();
  const sv = runServal(run, nat.selectors);
  if (process.env.SERVAL_DIFFTEST_TIME) console.log(`${run.cases.length} cases: native ${tn} ms, serval ${Date.now() - t} ms`);
  run.cases.forEach((c: Case, k) => {
    let g = groups.get(c.group);
    if (!g) { g = stats(c.group); groups.set(c.group, g); }
    g.cases++;
    if (c.compat && !nat.compatOk) { g.hostSkipped++; return; }
    const v = compareOutcome(c, nat.outcomes[k], sv[k]);
    if (v.kind === 'unimplemented') {
      bump(g.notImplemented, c.forms.length === 1 ? c.forms[0] : (sv[k].what ?? '?').split(' ')[0]);
      return;
    }
    g.counted++;
    for (const f of new Set(c.forms)) bump(g.forms, f);
    const o = nat.outcomes[k];
    bump(g.endings, o.status === 0 ? 'completed' : o.status === 1 ? `${SIGNALS[o.signo] ?? `signal ${o.signo}`}` : 'timeout');
    if (v.kind === 'mismatch') {
      const known = knownIssue(c, v, nat.outcomes[k], sv[k]);
      if (known) {
        bump(g.known, known.id);
        if (!g.knownReports.has(known.id)) g.knownReports.set(known.id, report(c, v));
      } else {
        g.mismatches++;
        if (g.reports.length < maxReports) g.reports.push(report(c, v));
      }
    }
    if (v.undefFlags) g.undefFlagDiffs++;
    if (v.soft.length) {
      g.softDiffs++;
      if (g.softReports.length < 5) g.softReports.push(report(c, v));
    }
  });
  return { groups, native: nat.outcomes, serval: sv };
}

/** A printable summary of one group. */
export function summary(g: GroupStats, listForms = true): string {
  const lines = [
    `${g.group}: ${g.counted} cases compared (${g.cases} generated), ${g.mismatches} mismatches, ` +
    `${g.undefFlagDiffs} with undefined-flag differences, ${g.softDiffs} with vendor-specific differences; ` +
    `${g.forms.size} forms covered`,
    `  host outcomes: ${[...g.endings].map(([k, n]) => `${k} ${n}`).join(', ')}`,
  ];
  if (g.notImplemented.size) {
    lines.push(`  not yet implemented in Serval (${[...g.notImplemented.values()].reduce((a, b) => a + b, 0)} cases): ` +
      [...g.notImplemented].sort().map(([k, n]) => `${k} ×${n}`).join('; '));
  }
  if (g.hostSkipped) lines.push(`  ${g.hostSkipped} cases not run: this host cannot run 32-bit code`);
  if (g.known.size) {
    lines.push(`  known engine issues (see known.ts; not failures): ${[...g.known].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  }
  if (listForms) lines.push(`  forms: ${[...g.forms.keys()].sort().join(' ')}`);
  return lines.join('\n');
}
