import type { Intercepts } from '@serval/x86';

/** What a core running LWK user threads exits for: syscalls, port I/O, HLT and every exception. */
export const USER_INTERCEPTS: Readonly<Intercepts> = Object.freeze({
  syscall: true, io: true, cpuid: false, msr: false, allMsrs: false, hlt: true, vmcall: false,
  exceptions: 0xffffffff, interruptWindow: false,
});
