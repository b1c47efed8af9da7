import { systemSuite } from './harness.js';
import { interrupts64Kernel } from './kernels/interrupts64.js';
import { vifVipLoaded } from './sdm.js';

systemSuite('interrupts64', interrupts64Kernel, ({ agree }) => {
  agree('int.gate', 'INT n: an interrupt gate clears IF in the handler, a trap gate keeps it; IRETQ restores it');
  agree('int.iretq', 'IRETQ at CPL 0 sets IF (and VIF/VIP) from the image; POPF at CPL 0 sets and clears IF',
    vifVipLoaded(['int.iretq.vif-vip:'], ['set']));
  agree('int.user.iopl0', 'CPL 3 with IOPL 0: CLI, STI, IN and OUT raise #GP(0); POPF leaves IF and IOPL unchanged');
  agree('int.user.iopl3', 'CPL 3 with IOPL 3: CLI, STI and POPF change IF');
  agree('int.tf', 'single-step (TF): a #DB trap after each instruction, held back by the MOV SS and STI shadows, DR6.BS');
});
