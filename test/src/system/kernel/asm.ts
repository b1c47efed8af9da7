// Source-level helpers for the test kernels: the memory layout they share and small "macros"
// (TypeScript functions returning assembly) for printing observations on COM1. Every kernel is
// identity-mapped, runs the same bytes on QEMU and on Serval, and prints only values that the
// architecture defines, so the two serial logs can be compared line by line.

export type Bits = 32 | 64;

/** Fixed physical (= linear) addresses, all in the first 2 MiB page above the kernel image. */
export const LAYOUT = {
  /** Kernel variables (one page; see VARS below). */
  VARS: 0x180000,
  STACK_TOP: 0x190000,
  IST1_TOP: 0x192000,
  IST2_TOP: 0x194000,
  RSP0_TOP: 0x196000,
  USTACK_TOP: 0x198000,
  TSS: 0x199000,
  IDT: 0x19a000,
  /** Identity page tables built by `enter_long` (PML4, PDPT, PD). */
  PML4: 0x1a0000,
  PDPT: 0x1a1000,
  PD0: 0x1a2000,
  /** Page tables the tests build for themselves. */
  TABLES: 0x1b0000,
  /** End of what the boot code zeroes. */
  ZERO_END: 0x1c0000,
  /** Data pages the tests map, read and write (physical). */
  SCRATCH: 0x400000,
} as const;

/** Kernel variables: 8 bytes each. */
export const VARS = {
  /** Where the exception handler resumes: 0 = unexpected, 1 = the pushed RIP, 2 = back to the kernel (v_kret on v_ksp). */
  v_resume: 0,
  /** Printed RIPs are relative to this label. */
  v_ripbase: 8,
  v_ksp: 16,
  v_kret: 24,
  /** Free for the tests. */
  v_t0: 32, v_t1: 40, v_t2: 48, v_t3: 56, v_t4: 64, v_t5: 72,
  /** A string the handler prints before the frame (for code that cannot print itself), then clears. */
  v_tag: 80,
} as const;

export const SEL = {
  CODE32: 0x08, CODE64: 0x10, DATA: 0x18, UCODE32: 0x20, UDATA: 0x28, UCODE64: 0x30, TSS: 0x38,
  CODE16: 0x48, DATA16: 0x50, DATA_NP: 0x58, DATA_DPL3_LIM: 0x60, CODE64_NP: 0x68, CODE32_NP: 0x70, DATA_LIM0: 0x78,
} as const;

export function equates(): string {
  const lines = Object.entries(LAYOUT).map(([k, v]) => `${k} equ 0x${v.toString(16)}`);
  for (const [k, v] of Object.entries(VARS)) lines.push(`${k} equ VARS + ${v}`);
  for (const [k, v] of Object.entries(SEL)) lines.push(`SEL_${k} equ 0x${v.toString(16)}`);
  return lines.join('\n');
}

const SAFE = /^[\w .,:;=+\-/()[\]<>#!?*&%@'^|~]*$/;

/** Prints `text` (printable ASCII without quotes or backslashes). */
export function say(b: Bits, text: string, newline = false): string {
  if (!SAFE.test(text)) throw new Error(`say: unsupported characters in ${JSON.stringify(text)}`);
  const body = text ? `"${text}"${newline ? ', 10' : ''}, 0` : newline ? '10, 0' : '0';
  return `call s${b}_str\ndb ${body}`;
}

export const sayln = (b: Bits, text: string) => say(b, text, true);
export const nl = (b: Bits) => `call s${b}_nl`;

/** Prints `src` (a register or memory operand of the mode's width, not RSP-relative) as hex digits. */
export function hex(b: Bits, src: string, digits: number): string {
  const [a, c] = b === 64 ? ['rax', 'rcx'] : ['eax', 'ecx'];
  return `push ${a}\npush ${c}\nmov ${a}, ${src}\nmov cl, ${digits}\ncall s${b}_hexn\npop ${c}\npop ${a}`;
}

/** ` name=value` */
export function kv(b: Bits, name: string, src: string, digits: number): string {
  return `${say(b, ` ${name}=`)}\n${hex(b, src, digits)}`;
}

let uniq = 0;
/** A fresh label name for generated code. */
export function label(prefix = 'L'): string {
  return `${prefix}_${uniq++}`;
}

/**
 * Arms the exception handler for one expected exception: it prints `tag` then the frame (RIP
 * relative to `at`), and resumes at `resume` (a label, or 'next' for the pushed RIP, or 'kernel').
 */
export function expectFault(b: Bits, tag: string, at: string, resume: string): string {
  const size = b === 64 ? 'qword' : 'dword';
  const r = resume === 'next' ? '1' : resume === 'kernel' ? '2' : resume;
  return `${say(b, tag)}\nmov ${size} [v_ripbase], ${at}\nmov ${size} [v_resume], ${r}`;
}

/**
 * Sets the arithmetic flags to a fixed pattern (CF PF SF OF set, ZF AF clear) with IF as given,
 * so that pushed flags are the same on every implementation.
 */
export function fixFlags(b: Bits, iflag = false): string {
  const v = 0x887 | (iflag ? 0x200 : 0);
  return b === 64 ? `push 0x${v.toString(16)}\npopfq` : `push 0x${v.toString(16)}\npopfd`;
}
