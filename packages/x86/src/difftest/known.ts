// Engine bugs the oracle found in files the difftest's author may not change (the lead's
// cpu.ts/compile.ts/features.ts, other workers' groups). Each entry says where the bug is and matches only the exact
// difference it causes; the test counts and prints these cases instead of failing on them. Fix the
// bug, then delete its entry: the cases become ordinary comparisons again.
import type { Verdict } from './compare.js';
import type { Case, Outcome } from './format.js';

export interface KnownIssue {
  id: string;
  description: string;
  /** True when this issue accounts for every architectural difference of the verdict. */
  explains(c: Case, v: Verdict, nat: Outcome, sv: Outcome): boolean;
}

export const KNOWN_ISSUES: KnownIssue[] = [];

export function knownIssue(c: Case, v: Verdict, nat: Outcome, sv: Outcome): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.explains(c, v, nat, sv));
}
