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
    id: 'int1-exit-rip',
    description: 'cpu.ts exception(): INT1 (ICEBP, F1) raises #DB as a fault-class exception, so an ' +
      'intercepted exit leaves state.rip at the INT1 itself; INT3 and hardware report the trap after ' +
      'the instruction (a host resuming the exit would run INT1 forever).',
    explains: (c, v, nat, sv) => c.text === 'int1' && nat.trapno === 1 && sv.trapno === 1 &&
      v.hard.length === 1 && sv.rip === nat.rip - 1,
  },
  {
    id: 'hint-nop-ud',
    description: 'compile.ts/features.ts: ENDBR32/ENDBR64, PREFETCHIT0/1, PREFETCHWT1 and CLDEMOTE raise ' +
      '#UD because Serval does not advertise their CPUID features, but they sit in the hint-NOP opcode ' +
      'space (0F 0D, 0F 18-1F) and execute as NOPs on every CPU without the feature (gcc emits ENDBR64 ' +
      'in every function under -fcf-protection, Ubuntu\'s default).',
    explains: (c, _v, nat, sv) => nat.status === 0 && sv.status === 1 && sv.trapno === 6 &&
      /^(endbr|prefetchit|prefetchwt1|cldemote)/.test(c.text),
  },
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
