// @serval/x86 — simulated x86-64 cores. Public surface: a core (`Cpu`) with its state, intercepts
// and typed exits; physical memory; the CPUID model; the decoder and assembler adapters.
export { Cpu, hex, type CpuOptions, type PortIoHandler } from './cpu.js';
export { CpuState, R, SA, SEG_LDTR, SEG_TR } from './state.js';
export type { Exit, ExitKind, Intercepts } from './exits.js';
export { defaultIntercepts } from './exits.js';
export {
  PhysicalMemory, IdentityMap, RegionMap, PAGE_SIZE, PAGE_SHIFT, SYNC_EPOCH,
  type PhysMap, type PhysRegion, type HostPhysAddr, type GuestPhysAddr, type SharedMemoryHandle,
} from './memory.js';
export { CpuidModel, CPUID1_ECX, CPUID1_EDX, CPUID81_ECX, CPUID81_EDX, type CpuidRegs, type CpuidOptions } from './cpuid.js';
export * from './arch.js';
export { ServalError, X86Error, UnimplementedError } from './errors.js';
export { formatInstruction } from './iced/decode.js';
export { identityPageTables, identityPageTablesSize, enterLongMode } from './boot.js';
export { assemble, AsmError, type AssembleResult } from './asm/index.js';
