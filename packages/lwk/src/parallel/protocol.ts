// The handshake between the kernel (main thread) and a core's worker thread in parallel mode. Each
// core has three small shared buffers: control words (Atomics.wait/notify), the running thread's
// registers as int32s, and its other numbers as float64s. The kernel fills the registers, bumps
// CMD and notifies; the worker runs user mode until an exit, writes the registers back, sets DONE
// to that CMD and rings the node-wide bell the kernel sleeps on. Exits other than a time budget or
// a syscall (faults, unimplemented instructions, internal errors) travel as a message beside it.
import type { CpuState, SharedMemoryHandle } from '@serval/x86';
import { Context } from '../proc/context.js';

/** Control words (Int32Array). */
/** ACK: the last sync epoch the worker's core dropped its translations for (TLB shootdowns). */
export const CMD = 0, DONE = 1, OP = 2, EXIT = 3, READY = 4, ACK = 5;
export const OP_RUN = 1, OP_QUIT = 2;
export const EXIT_BUDGET = 1, EXIT_SYSCALL = 2, EXIT_MESSAGE = 3, EXIT_ERROR = 4;
export const CTL_WORDS = 8;

/** Int32 registers: the lazy-flag GPR file, XMM, x87 mantissas and exponents, segment selectors and attributes. */
const R_GPR = 0, R_XMM = 36, R_FPR = 100, R_FPE = 116, R_SEL = 124, R_ATTR = 132;
export const REG_WORDS = 140;

/** Float64 numbers. */
export const F_RIP = 0, F_FS = 1, F_GS = 2, F_CR3 = 3, F_BUDGET = 4, F_ICOUNT = 5, F_SLICE_NS = 6,
  F_MXCSR = 7, F_FCW = 8, F_FSW = 9, F_FTOP = 10, F_FTAG = 11, F_EXIT_RIP = 12;
const F_BASE = 16, F_LIMIT = 24, F_GDTR = 32, F_IDTR = 34, F_CR0 = 36, F_CR4 = 37, F_EFER = 38;
export const NUM_WORDS = 40;

/** What a core worker is started with (its `workerData`, plus any fields the starter adds). */
export interface CoreWorkerData {
  servalLwkCore: true;
  core: number;
  cores: number;
  freqHz: number;
  tscHz: number;
  memorySize: number;
  memory: SharedMemoryHandle;
  ctl: SharedArrayBuffer;
  regs: SharedArrayBuffer;
  nums: SharedArrayBuffer;
  bell: SharedArrayBuffer;
}

export function putContext(c: Context, regs: Int32Array, nums: Float64Array): void {
  regs.set(c.r, R_GPR);
  regs.set(c.xmm, R_XMM);
  regs.set(c.fpr, R_FPR);
  for (let k = 0; k < 8; k++) regs[R_FPE + k] = c.fpe[k];
  nums[F_RIP] = c.rip; nums[F_FS] = c.fsBase; nums[F_GS] = c.gsBase; nums[F_MXCSR] = c.mxcsr;
  nums[F_FCW] = c.fpuControl; nums[F_FSW] = c.fpuStatus; nums[F_FTOP] = c.fpuTop; nums[F_FTAG] = c.fpuTag;
}

export function takeContext(c: Context, regs: Int32Array, nums: Float64Array): void {
  c.r.set(regs.subarray(R_GPR, R_GPR + 36));
  c.xmm.set(regs.subarray(R_XMM, R_XMM + 64));
  c.fpr.set(regs.subarray(R_FPR, R_FPR + 16));
  for (let k = 0; k < 8; k++) c.fpe[k] = regs[R_FPE + k];
  c.rip = nums[F_RIP]; c.fsBase = nums[F_FS]; c.gsBase = nums[F_GS]; c.mxcsr = nums[F_MXCSR];
  c.fpuControl = nums[F_FCW]; c.fpuStatus = nums[F_FSW]; c.fpuTop = nums[F_FTOP]; c.fpuTag = nums[F_FTAG];
}

/**
 * The segment registers (with LDTR and TR), descriptor tables and mode bits, which the kernel sets
 * when it takes a core and a thread may change (segment loads, far transfers): the worker's core
 * runs with the main thread's copy's values, and its segment registers come back.
 */
export function putSystem(s: CpuState, regs: Int32Array, nums: Float64Array): void {
  putSegments(s, regs, nums);
  nums[F_GDTR] = s.gdtrBase; nums[F_GDTR + 1] = s.gdtrLimit;
  nums[F_IDTR] = s.idtrBase; nums[F_IDTR + 1] = s.idtrLimit;
  nums[F_CR0] = s.cr0; nums[F_CR4] = s.cr4; nums[F_EFER] = s.efer;
}

export function takeSystem(s: CpuState, regs: Int32Array, nums: Float64Array): void {
  takeSegments(s, regs, nums);
  s.gdtrBase = nums[F_GDTR]; s.gdtrLimit = nums[F_GDTR + 1];
  s.idtrBase = nums[F_IDTR]; s.idtrLimit = nums[F_IDTR + 1];
  s.cr0 = nums[F_CR0]; s.cr4 = nums[F_CR4]; s.efer = nums[F_EFER];
}

export function putSegments(s: CpuState, regs: Int32Array, nums: Float64Array): void {
  regs.set(s.segSel.subarray(0, 8), R_SEL);
  regs.set(s.segAttr.subarray(0, 8), R_ATTR);
  nums.set(s.segBase.subarray(0, 8), F_BASE);
  nums.set(s.segLimit.subarray(0, 8), F_LIMIT);
}

export function takeSegments(s: CpuState, regs: Int32Array, nums: Float64Array): void {
  s.segSel.set(regs.subarray(R_SEL, R_SEL + 8));
  s.segAttr.set(regs.subarray(R_ATTR, R_ATTR + 8));
  s.segBase.set(nums.subarray(F_BASE, F_BASE + 8));
  s.segLimit.set(nums.subarray(F_LIMIT, F_LIMIT + 8));
}
