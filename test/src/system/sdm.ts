// Where QEMU 7.2 (TCG) departs from the Intel SDM, these turn a line QEMU printed into the line the
// SDM requires, so that the tests assert the architecture rather than QEMU's reading of it.
// Each names the rule; each is applied only to the lines it concerns.

/** The 8-digit error code after `ec=` rewritten by `f`, on lines reporting vector `vec`. */
function mapErrorCode(line: string, vecs: string[], f: (ec: number) => number): string {
  return line.replace(/exc=([0-9a-f]{2}) ec=([0-9a-f]{8})/, (m, vec: string, ec: string) =>
    vecs.includes(vec) ? `exc=${vec} ec=${(f(parseInt(ec, 16)) >>> 0).toString(16).padStart(8, '0')}` : m);
}

/**
 * A reserved-bit page fault has P set: "bit 3 of the error code can be set only if bit 0 is also
 * set" (Vol. 3A, 4.7: reserved bits are checked only in present entries). QEMU leaves P clear.
 */
export function rsvdHasP(line: string): string {
  return mapErrorCode(line, ['0e'], (ec) => (ec & 8 ? ec | 1 : ec));
}

/**
 * An error code naming an IDT gate (bit 1, IDT) holds the vector in bits 15:3, in every mode
 * (Vol. 3A, 6.13). QEMU's long-mode delivery puts vector × 16 there (the gate's byte offset).
 */
export function idtIndexInLongMode(line: string): string {
  return mapErrorCode(line, ['0b', '0d'], (ec) => (ec & 2 ? ((ec >>> 4) << 3) | (ec & 3) : ec));
}

/**
 * EXT (bit 0) is set when the exception arose delivering an event from outside the program, an
 * earlier exception included; only INT n, INT3 and INTO leave it clear (Vol. 3A, 6.13). QEMU
 * never sets it. Applies to the lines of `tags`.
 */
export function extBit(tags: string[]): (line: string) => string {
  return (line) => (tags.some((t) => line.startsWith(t)) ? mapErrorCode(line, ['0a', '0b', '0c', '0d'], (ec) => ec | 1) : line);
}

/**
 * INT1 (F1, ICEBP) raises a #DB trap: the saved RIP follows the instruction, and the gate's DPL is
 * not checked (Vol. 2B, INT n/INTO/INT3/INT1; Vol. 3A, 6.12.1.1). QEMU 7.2 raises #UD.
 */
export function int1IsDebugTrap(line: string): string {
  return /\.int1:/.test(line) ? line.replace(/exc=06 ([er]ip)=L\+00000000/, 'exc=01 $1=L+00000001') : line;
}

/**
 * A near branch to a non-canonical address faults on the branch (#GP(0), RIP = the branch): "If
 * the target operand is non-canonical" is among JMP's 64-bit-mode exceptions (Vol. 2A, JMP).
 * QEMU lets the jump happen and faults on the fetch at the target.
 */
export function branchFaultsAtBranch(line: string): string {
  return /noncanonical-jmp:/.test(line) ? line.replace(/rip=L\+[0-9a-f]{8}/, 'rip=L+00000000') : line;
}

/**
 * A non-canonical address in a stack reference (RSP or RBP based, SS segment) raises #SS(0), not
 * #GP(0) (Vol. 3A, 6.15, "Interrupt 12"; Vol. 2, the 64-bit-mode exceptions of memory operands).
 * QEMU raises #GP(0).
 */
export function noncanonicalStackIsSS(line: string): string {
  if (!/^exc\.ss\.noncanonical[^:]*: exc=0d/.test(line)) return line;
  // #SS goes through its own gate, which the exceptions64 kernel gives IST 1 (the stack whose
  // frame the PUSH case shows on both machines); QEMU's #GP used the current stack.
  return line.replace(/^(exc\.ss\.noncanonical[^:]*: exc=)0d/, '$10c').replace('frame=000000000018ffd8', 'frame=0000000000191fd8');
}

/** Applies several rules in turn. */
export function all(...fs: ((line: string) => string)[]): (line: string) => string {
  return (line) => fs.reduce((l, f) => f(l), line);
}

/** The 8-digit hex value after ` name=` rewritten by `f`. */
function mapField(line: string, name: string, f: (v: number) => number): string {
  return line.replace(new RegExp(`( ${name}=)([0-9a-f]{8})`), (_m, pre: string, v: string) =>
    `${pre}${(f(parseInt(v, 16)) >>> 0).toString(16).padStart(8, '0')}`);
}

const VIF_VIP = 0x180000;

/**
 * SYSCALL leaves RFLAGS AND NOT(IA32_FMASK), RF cleared: the arithmetic flags survive unless the
 * mask names them (Vol. 2B, SYSCALL). QEMU clears them all. On lines printing `r11=` (the caller's
 * RFLAGS) and `fl=` (RFLAGS at the entry point), this recomputes `fl` from `r11`.
 */
export function syscallMasksWithSfmask(sfmask: number): (line: string) => string {
  return (line) => {
    const m = / r11=([0-9a-f]{8})/.exec(line);
    if (!m) return line;
    const r11 = parseInt(m[1], 16);
    return mapField(line, 'fl', () => (r11 & ~sfmask & ~0x10000) | 2);
  };
}

/**
 * SYSRET loads RFLAGS from (R11 AND 3C7FD7H) OR 2 (Vol. 2B, SYSRET), and IRET with a 32/64-bit
 * operand at CPL 0 loads EFLAGS(VIF, VIP) from the image (Vol. 2A, IRET): VIF and VIP included.
 * POPF cannot clear them again (Vol. 2B, POPF), so after SYSRET they reach the next SYSCALL's R11.
 * QEMU loads neither. Adds them on the lines of `tags` (fields `fields`).
 */
export function vifVipLoaded(tags: string[], fields: string[]): (line: string) => string {
  return (line) => (tags.some((t) => line.startsWith(t)) ? fields.reduce((l, f) => mapField(l, f, (v) => v | VIF_VIP), line) : line);
}
