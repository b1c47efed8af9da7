import { systemSuite } from './harness.js';
import { exceptions32Kernel } from './kernels/exceptions32.js';
import { all, extBit, int1IsDebugTrap } from './sdm.js';

/**
 * Segment limits: an access beyond DS/ES's limit is #GP(0), beyond SS's #SS(0) (Vol. 3A, 5.3;
 * Vol. 2, the protected-mode exceptions of every memory operand). QEMU's TCG does not check data
 * segment limits at all; these are the lines the SDM requires instead of its "ok".
 */
const LIMIT_FAULTS: Record<string, string> = {
  'x32.limit.read-beyond:': 'exc=0d ec=00000000 eip=L+00000000 cs=0008 fl=00000887 frame=0018fff4 if=0',
  'x32.limit.read-straddling:': 'exc=0d ec=00000000 eip=L+00000000 cs=0008 fl=00000887 frame=0018fff4 if=0',
  'x32.limit.stosd-es:': 'exc=0d ec=00000000 eip=L+00000000 cs=0008 fl=00000887 frame=0018fff4 if=0',
  // The PUSH follows MOV SS (2 bytes) and MOV ESP (5 bytes); the frame holds the user's SS:ESP.
  'x32.limit.user-stack:': 'exc=0c ec=00000000 eip=L+00000007 cs=0023 fl=00003887 sp=00001002 ss=0063 frame=00195fec if=0',
  'x32.limit.user-ds:': 'exc=0d ec=00000000 eip=L+00000000 cs=0023 fl=00003887 sp=00198000 ss=002b frame=00195fec if=0',
};
const segmentLimitsChecked = (line: string) => {
  const tag = line.slice(0, line.indexOf(':') + 1);
  return LIMIT_FAULTS[tag] ? `${tag} ${LIMIT_FAULTS[tag]}` : line;
};

systemSuite('exceptions32', exceptions32Kernel, ({ agree, knownBug }) => {
  agree('x32.ud', '#UD in 32-bit mode: the frame without SS:ESP at the same privilege');
  agree('x32.de', '#DE');
  agree('x32.bp', '#BP: INT3 is a trap');
  agree('x32.of', 'INTO raises #OF (a trap) when OF is set, and does nothing otherwise');
  agree('x32.int1', 'INT1 is a #DB trap', int1IsDebugTrap);
  agree('x32.int.', 'INT n through a 32-bit interrupt gate');
  agree('x32.gp', '#GP: selector error codes, null SS, IDT limit, gate type, a gate naming a data segment');
  agree('x32.np', '#NP: data segment and gate');
  agree('x32.ss', '#SS: a not-present stack segment');
  // Serval does not check segment limits (the memory accessors in jit/runtime.ts and the emitter
  // add the segment base only): accesses beyond DS/ES/SS limits succeed instead of faulting.
  knownBug('x32.limit', 'segment limits: #GP(0) beyond DS/ES limits (also straddling, and for STOSD), #SS(0) beyond the SS limit at CPL 3',
    segmentLimitsChecked);
  agree('x32.user', 'CPL 3 entered with IRETD and far RET: TSS ESP0/SS0 switch, gate DPL checks (INT n, INT3, INTO), INT1, privileged instructions, far JMP and IRETD to CPL 0',
    int1IsDebugTrap);
  agree('x32.kernel', 'back in the kernel through INT 0x7f');
  agree('x32.nested', 'faults while delivering in 32-bit mode: EXT for exceptions, not INT n; #DF for two contributory faults',
    all(extBit(['x32.nested.ud-np-cs'])));
});
