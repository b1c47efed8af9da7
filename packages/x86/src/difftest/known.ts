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

export const KNOWN_ISSUES: KnownIssue[] = [
  {
    id: 'flags-stale-at-fault',
    description: 'compile.ts flagLiveness(): flag results that a later instruction of the block ' +
      'overwrites are not stored, but only branches and exits count as ways out of the block, not ' +
      'faults. When a memory instruction faults, EFLAGS (in the signal frame, or the state an ' +
      'exception exit shows) still hold the values from before earlier flag writers: ' +
      '"xor rcx,[mem]; btc [mem],rdx (#GP); imul rax,r14" shows the flags from before the XOR. ' +
      'Resuming after the fault is unaffected (the later writer still runs).',
    explains: (c, v, nat, sv) => nat.status === 1 && sv.status === 1 && nat.trapno === sv.trapno &&
      c.undefAt !== undefined && c.undefAt[0][0] !== nat.rip && v.hard.every((d) => d.startsWith('rflags:')),
  },
];

export function knownIssue(c: Case, v: Verdict, nat: Outcome, sv: Outcome): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.explains(c, v, nat, sv));
}
