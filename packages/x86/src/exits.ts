// What `Cpu.run` returns: one typed exit, shaped like a hardware-virtualization exit.
//
// Two resume conventions, chosen per kind so hosts rarely need to touch RIP:
//  - trap-like (syscall, cpuid, msr, hlt, vmcall, budget, interrupt-window): the instruction has
//    retired and `state.rip` is the next one; `rip` in the exit names the instruction itself,
//    for a host that wants to re-point RIP and inject a fault instead.
//  - completion (io, mmio): the instruction has not retired. The host performs the access and
//    calls `cpu.complete(value)`; the next `run` re-executes the instruction, which consumes the
//    value instead of exiting again.
//  - exception: a fault whose vector the host intercepts; RIP is the faulting instruction
//    (or the next one for traps such as INT3).

export type Exit =
  | { kind: 'budget' }
  | { kind: 'hlt'; rip: number }
  | { kind: 'syscall'; rip: number }
  | { kind: 'io'; rip: number; port: number; size: 1 | 2 | 4; write: boolean; value: number }
  | { kind: 'mmio'; rip: number; gpa: number; size: number; write: boolean; value: number; valueHi: number }
  | { kind: 'cpuid'; rip: number; leaf: number; subleaf: number }
  | { kind: 'msr'; rip: number; write: boolean; msr: number; lo: number; hi: number }
  | { kind: 'exception'; rip: number; vector: number; errorCode: number | undefined; cr2: number }
  | { kind: 'vmcall'; rip: number }
  | { kind: 'interrupt-window' }
  | { kind: 'triple-fault'; rip: number; reason: string }
  | { kind: 'unimplemented'; rip: number; what: string };

export type ExitKind = Exit['kind'];

/** Which events leave `run` instead of being handled by the core itself. */
export interface Intercepts {
  /** SYSCALL exits to the host instead of entering the guest kernel through LSTAR. */
  syscall: boolean;
  /** Port I/O exits; otherwise IN reads all-ones and OUT is dropped. */
  io: boolean;
  cpuid: boolean;
  /** RDMSR/WRMSR of MSRs the core does not implement itself (all MSRs if `allMsrs`). */
  msr: boolean;
  allMsrs: boolean;
  hlt: boolean;
  vmcall: boolean;
  /** Bitmap of exception vectors that exit instead of being delivered through the IDT. */
  exceptions: number;
  /** Exit as soon as the guest can take an external interrupt (RFLAGS.IF=1, no shadow). */
  interruptWindow: boolean;
}

export function defaultIntercepts(): Intercepts {
  return {
    syscall: false, io: true, cpuid: false, msr: true, allMsrs: false, hlt: true, vmcall: true,
    exceptions: 0, interruptWindow: false,
  };
}
