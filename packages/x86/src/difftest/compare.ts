// Compares what the host CPU did with what Serval did. Everything architectural must match bit for
// bit; the SDM's undefined flags and a case's declared vendor-specific results (SoftSpec) are
// compared too, but their differences are only counted.
import { CODE_BASE, type Case, type Outcome } from './format.js';

/** CF PF AF ZF SF OF and DF: the flags a user-mode case can set and observe. */
export const FLAGS_COMPARED = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x800 | 0x400;

export type VerdictKind = 'match' | 'mismatch' | 'unimplemented';

export interface Verdict {
  kind: VerdictKind;
  /** Architectural differences (a mismatch). */
  hard: string[];
  /** Differences in flags the SDM leaves undefined. */
  undefFlags: boolean;
  /** Differences in results declared vendor-specific. */
  soft: string[];
}

const GPR = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const hex = (v: number | bigint) => `0x${v.toString(16)}`;
const bytesHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function u16(b: Uint8Array, o: number): number { return b[o] | (b[o + 1] << 8); }
function u32(b: Uint8Array, o: number): number { return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0; }
function same(a: Uint8Array, b: Uint8Array, o: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[o + i] !== b[o + i]) return false;
  return true;
}

export function compareOutcome(c: Case, nat: Outcome, sv: Outcome): Verdict {
  const v: Verdict = { kind: 'match', hard: [], undefFlags: false, soft: [] };
  if (sv.status === 3) { v.kind = 'unimplemented'; return v; }
  const soft = c.soft ?? {};
  const diff = (isSoft: boolean, msg: string) => (isSoft || soft.all ? v.soft : v.hard).push(msg);

  if (nat.status !== sv.status || (nat.status === 1 && (nat.signo !== sv.signo || nat.trapno !== sv.trapno))) {
    diff(false, `outcome: host ${describe(nat)}, serval ${describe(sv)}`);
  } else if (nat.status === 1) {
    if (nat.trapno === 14 && nat.addr !== sv.addr) diff(false, `fault address: host ${hex(nat.addr)}, serval ${hex(sv.addr)}`);
    if ((nat.trapno === 14 || nat.trapno === 13) && nat.err !== sv.err) diff(false, `error code: host ${hex(nat.err)}, serval ${hex(sv.err)}`);
  }
  if (sv.status === 4) diff(false, `serval: ${sv.what}`);
  if (nat.rip !== sv.rip) diff(false, `rip: host ${hex(nat.rip)}, serval ${hex(sv.rip)}`);

  const mask = c.compat ? 0xffffffffn : 0xffffffffffffffffn;
  for (let i = 0; i < 16; i++) {
    if ((nat.gpr[i] & mask) !== (sv.gpr[i] & mask)) {
      diff(soft.gpr?.includes(i) ?? false, `${GPR[i]}: host ${hex(nat.gpr[i])}, serval ${hex(sv.gpr[i])}`);
    }
  }
  // A case stopped by a signal shows the flags as the instructions before that point left them.
  const undef = nat.status === 1 ? c.undefAt?.find(([ip]) => ip === nat.rip)?.[1] ?? c.undefFlags : c.undefFlags;
  const fd = (nat.rflags ^ sv.rflags) & FLAGS_COMPARED;
  if (fd & ~undef) diff(false, `rflags: host ${hex(nat.rflags & FLAGS_COMPARED)}, serval ${hex(sv.rflags & FLAGS_COMPARED)} (differ ${hex(fd & ~undef)})`);
  else if (fd) v.undefFlags = true;

  const a = nat.fx, b = sv.fx;
  if (u16(a, 0) !== u16(b, 0)) diff(false, `fcw: host ${hex(u16(a, 0))}, serval ${hex(u16(b, 0))}`);
  const fswd = u16(a, 2) ^ u16(b, 2);
  if (fswd) diff((fswd & ~(soft.fswMask ?? 0)) === 0, `fsw: host ${hex(u16(a, 2))}, serval ${hex(u16(b, 2))}`);
  if (a[4] !== b[4]) diff(false, `ftw (abridged): host ${hex(a[4])}, serval ${hex(b[4])}`);
  const mxd = u32(a, 24) ^ u32(b, 24);
  if (mxd) diff((mxd & ~(soft.mxcsrMask ?? 0)) === 0, `mxcsr: host ${hex(u32(a, 24))}, serval ${hex(u32(b, 24))}`);
  for (let i = 0; i < 8; i++) {
    const o = 32 + 16 * i;
    if (!same(a, b, o, 10)) diff(!!soft.st, `st${i}: host ${bytesHex(a.subarray(o, o + 10))}, serval ${bytesHex(b.subarray(o, o + 10))}`);
  }
  for (let i = 0; i < 16; i++) {
    const o = 160 + 16 * i;
    if (!same(a, b, o, 16)) diff(soft.xmm?.includes(i) ?? false, `xmm${i}: host ${bytesHex(a.subarray(o, o + 16))}, serval ${bytesHex(b.subarray(o, o + 16))}`);
  }

  const offs = new Set([...nat.diff.keys(), ...sv.diff.keys()]);
  for (const off of [...offs].sort((x, y) => x - y)) {
    const x = nat.diff.get(off), y = sv.diff.get(off);
    if (x === y) continue;
    const isSoft = soft.mem?.some(([s, n]) => off + 8 > s && off < s + n) ?? false;
    const show = (w: bigint | undefined) => (w === undefined ? 'unchanged' : hex(w));
    diff(isSoft, `data+${hex(off)}: host ${show(x)}, serval ${show(y)}`);
  }
  if (v.hard.length) v.kind = 'mismatch';
  return v;
}

function describe(o: Outcome): string {
  switch (o.status) {
    case 0: return 'completed';
    case 1: return `signal ${o.signo} (vector ${o.trapno}) at ${hex(o.rip)}${o.trapno === 14 ? ` addr ${hex(o.addr)}` : ''}`;
    case 2: return 'timeout';
    case 3: return `unimplemented (${o.what})`;
    default: return `unexpected exit (${o.what})`;
  }
}

/** A mismatch report: the case listing, its start state in brief, and every difference. */
export function report(c: Case, v: Verdict): string {
  const regs = c.gpr.map((g, i) => `${GPR[i]}=${hex(g)}`).join(' ');
  return [
    `[${c.group}] ${c.text}  (code at ${hex(CODE_BASE + c.codeOff)}${c.compat ? ', compat' : ''})`,
    `  start: ${regs} rflags=${hex(c.rflags)} image=${c.image}${c.patches.length ? ` patches=${c.patches.map((p) => `+${hex(p.off)}:${bytesHex(p.bytes)}`).join(',')}` : ''}`,
    ...v.hard.map((d) => `  ${d}`),
    ...v.soft.map((d) => `  (soft) ${d}`),
  ].join('\n');
}
