import { systemSuite } from './harness.js';
import { exceptions64Kernel } from './kernels/exceptions64.js';
import { all, branchFaultsAtBranch, extBit, idtIndexInLongMode, int1IsDebugTrap, noncanonicalStackIsSS } from './sdm.js';

systemSuite('exceptions64', exceptions64Kernel, ({ agree }) => {
  agree('exc.ud', '#UD: UD2, CR1, LOCK on a NOP, opcodes invalid in 64-bit mode');
  agree('exc.de', '#DE: division by zero and quotient overflow at 32 and 64 bits');
  agree('exc.bp', '#BP: INT3 and INT 3 are traps (RIP after the instruction)');
  agree('exc.int1', 'INT1 is a #DB trap', int1IsDebugTrap);
  agree('exc.int.', 'INT n through an interrupt gate');
  agree('exc.gp', '#GP: selector error codes, non-canonical addresses, IDT limit and gate type, control registers',
    all(idtIndexInLongMode, branchFaultsAtBranch));
  agree('exc.np', '#NP: not-present data segment and gate', idtIndexInLongMode);
  agree('exc.ss.ss', '#SS: a not-present stack segment');
  agree('exc.ss.null', 'a null SS at CPL 0 is allowed in 64-bit mode');
  agree('exc.ss.noncanonical', '#SS(0) for non-canonical stack references (RBP-based, PUSH)', noncanonicalStackIsSS);
  agree('exc.ist', 'IST: a gate with IST 1 switches to that stack at the same privilege');
  agree('exc.user', 'from CPL 3: gate DPL checks, INT1 without them, privileged instructions, IRETQ to CPL 0, RSP0',
    all(idtIndexInLongMode, int1IsDebugTrap));
  agree('exc.cpl3', 'MOV from CR8 and MOV to/from DR0-DR7 at CPL 3 raise #GP(0)');
  agree('exc.nested', 'faults while delivering: benign first events let the second through (EXT set for exceptions); contributory pairs and #PF pairs make #DF on IST 1, CR2 of the second #PF',
    extBit(['exc.nested.ud-np-cs']));
});
