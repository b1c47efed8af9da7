import { systemSuite } from './harness.js';
import { privilege64Kernel } from './kernels/privilege64.js';
import { all, syscallMasksWithSfmask, vifVipLoaded } from './sdm.js';

const SFMASK = 0x44700;

systemSuite('privilege64', privilege64Kernel, ({ agree }) => {
  agree('priv.msr', 'STAR, LSTAR and SFMASK read back');
  agree('priv.user64', 'IRETQ to CPL 3: CS/SS with RPL 3, DPL-0 data selectors nulled, RFLAGS');
  // The VIF/VIP rule comes first: the SYSCALL after that SYSRET sees them in R11.
  agree('priv.syscall64', 'SYSCALL: RCX = next RIP, R11 = RFLAGS, RFLAGS masked by SFMASK only, CS/SS from STAR, RSP untouched',
    all(vifVipLoaded(['priv.syscall64.3:'], ['r11']), syscallMasksWithSfmask(SFMASK)));
  agree('priv.sysret64', 'SYSRETQ: RIP = RCX, RFLAGS = R11 & 0x3C7FD7 | 2, CS/SS = STAR[63:48] + 16/+8 with RPL 3',
    vifVipLoaded(['priv.sysret64.r11:'], ['fl']));
  agree('priv.iretq-from-syscall', 'IRETQ as the way back from SYSCALL');
  agree('priv.compat', 'SYSRET (32-bit) to compatibility mode: CS = STAR[63:48], INT n from there');
  agree('priv.kernel', 'back in the kernel through INT 0x7f (TSS RSP0)');
  agree('priv.no-sce', '#UD for SYSCALL and SYSRET without EFER.SCE');
  agree('priv.gs', 'SWAPGS exchanges GS_BASE and KERNEL_GS_BASE');
  agree('priv.fs', 'FS_BASE addresses fs: operands; loading FS/GS with a selector reloads the base from the descriptor');
});
