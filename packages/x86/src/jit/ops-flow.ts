// Control transfer: JMP/Jcc/CALL/RET, LOOP and JrCXZ, software interrupts, IRET and far transfers.
// Every emitter here ends the block by writing RIP.
import { OK, type Insn, type Operand } from '../ir.js';
import { Code, MemorySize, Mnemonic as M } from '../iced/iced.js';
import { type Emitter, condition, num } from './emitter.js';

function target(e: Emitter, t: Operand): number {
  if (t.size === 8) return t.hi * 4294967296 + (t.lo >>> 0);
  return e.maskIp(t.size === 4 ? t.lo >>> 0 : t.lo & 0xffff);
}

/** Loads an indirect near target into [lo, hi] temporaries before anything changes RSP. */
function indirect(e: Emitter, t: Operand): [string, string] {
  if (t.size === 8) {
    const [lo, hi] = e.load64(t);
    const a = e.tmp('tl'), b = e.tmp('th');
    e.emit(`const ${a} = ${lo}, ${b} = ${hi};`);
    return [a, b];
  }
  const a = e.tmp('tl');
  e.emit(`const ${a} = ${e.load(t)};`);
  return [a, '0'];
}

/** JMP/CALL through a far pointer in memory (m16:16, m16:32, m16:64). */
function isFarMemory(i: Insn): boolean {
  return i.ops[0].k === OK.Mem &&
    (i.memSize === MemorySize.SegPtr16 || i.memSize === MemorySize.SegPtr32 || i.memSize === MemorySize.SegPtr64);
}

export function jmp(e: Emitter, i: Insn): void {
  const t = i.ops[0];
  if (t.k === OK.Branch) { e.jumpTo(target(e, t)); return; }
  if (t.k === OK.FarBranch) { farTransfer(e, i, 'jmp', String(t.lo), String(t.hi >>> 0), t.size); return; }
  if (isFarMemory(i)) { farMemory(e, i, 'jmp'); return; }
  const [lo, hi] = indirect(e, t);
  e.jumpToValue(lo, hi, t.size);
}

export function jcc(e: Emitter, i: Insn): void {
  const t = target(e, i.ops[0]);
  const rest = e.blockLen - 1 - e.idx;
  if (rest > 0) {
    // A side exit (see isSideExit): taken, it leaves the block, whose later instructions never ran.
    e.emit(`if (${condition(i.cc)}) { st.rip = ${num(t)}; c.icount -= ${rest}; return; }`);
    return;
  }
  e.emit(`st.rip = ${condition(i.cc)} ? ${num(t)} : ${e.next};`);
  e.wroteRip = true;
}

export function call(e: Emitter, i: Insn): void {
  const t = i.ops[0];
  if (t.k === OK.FarBranch) { farTransfer(e, i, 'call', String(t.lo), String(t.hi >>> 0), t.size); return; }
  if (isFarMemory(i)) { farMemory(e, i, 'call'); return; }
  const size = Math.abs(i.stackInc) || e.mode.stackSize;
  const next = i.next;
  const retLo = size === 8 ? String(next | 0) : String(e.maskIp(next) | 0);
  const retHi = size === 8 ? String(Math.floor(next / 4294967296) | 0) : '0';
  if (t.k === OK.Branch) {
    e.push(size, retLo, retHi);
    e.jumpTo(target(e, t));
    return;
  }
  const [lo, hi] = indirect(e, t);
  const tg = checkedTarget(e, lo, hi, t.size);
  e.push(size, retLo, retHi);
  setRip(e, tg);
}

/**
 * A branch target, checked before the branch changes anything: a non-canonical target raises #GP
 * with RSP and the stack as they were.
 */
function checkedTarget(e: Emitter, lo: string, hi: string, size: number): string {
  const t = e.tmp('tg');
  if (size === 8) { e.fault(); e.emit(`const ${t} = canon(c, ${hi} * 4294967296 + (${lo} >>> 0));`); }
  else e.emit(`const ${t} = ${size === 4 ? `${lo} >>> 0` : `${lo} & 0xffff`};`);
  return t;
}

function setRip(e: Emitter, t: string): void {
  e.emit(`st.rip = ${t};`);
  e.wroteRip = true;
}

export function ret(e: Emitter, i: Insn): void {
  const imm = i.ops.length > 0 && i.ops[0].k === OK.Imm ? i.ops[0].lo & 0xffff : 0;
  const size = e.mode.stackSize === 8 ? (Math.abs(i.stackInc) - imm === 2 ? 2 : 8) : Math.abs(i.stackInc) - imm || e.mode.stackSize;
  const { lo, hi, commit } = e.pop(size);
  const tg = checkedTarget(e, lo, hi, size);
  e.emit(commit);
  if (imm) {
    const { commit: c2 } = e.stackAddr(imm);
    e.emit(c2);
  }
  setRip(e, tg);
}

/**
 * LOOPcc and JrCXZ name their counter by address size (67 prefix). Nothing in their operands shows
 * it, so it comes from the encoding form: `Loop_rel8_64_ECX`, `Jecxz_rel8_64`, ...
 */
const COUNT_WIDTH = new Map<number, number>();
for (const [name, code] of Object.entries(Code)) {
  if (typeof code !== 'number') continue;
  const m = /^(?:Loop|Loope|Loopne)_rel8_\d+_(CX|ECX|RCX)$|^(Jcxz|Jecxz|Jrcxz)_rel8_\d+$/.exec(name);
  if (!m) continue;
  const reg = m[1] ?? m[2];
  COUNT_WIDTH.set(code, reg === 'CX' || reg === 'Jcxz' ? 16 : reg === 'ECX' || reg === 'Jecxz' ? 32 : 64);
}

function countWidth(i: Insn): number {
  return COUNT_WIDTH.get(i.code) ?? i.addrSize;
}

export function loop(e: Emitter, i: Insn): void {
  const as = countWidth(i);
  const t = num(target(e, i.ops[0]));
  let cnt: string;
  if (as === 64) {
    e.emit('r[2] = (r[2] - 1) | 0; if (r[2] === -1) r[3] = (r[3] - 1) | 0;');
    cnt = '((r[2] | r[3]) !== 0)';
  } else if (as === 32) {
    e.emit('r[2] = (r[2] - 1) | 0; r[3] = 0;');
    cnt = '(r[2] !== 0)';
  } else {
    e.emit('r16[4] = (r16[4] - 1) & 0xffff;');
    cnt = '(r16[4] !== 0)';
  }
  const zf = '((r[32] | r[33]) === 0)';
  const cond = i.mnem === M.Loope ? `${cnt} && ${zf}` : i.mnem === M.Loopne ? `${cnt} && !${zf}` : cnt;
  e.emit(`st.rip = ${cond} ? ${t} : ${e.next};`);
  e.wroteRip = true;
}

export function jrcxz(e: Emitter, i: Insn): void {
  const as = countWidth(i);
  const z = as === 64 ? '((r[2] | r[3]) === 0)' : as === 32 ? '(r[2] === 0)' : '(r16[4] === 0)';
  e.emit(`st.rip = ${z} ? ${num(target(e, i.ops[0]))} : ${e.next};`);
  e.wroteRip = true;
}

/** INT n, INT3, INTO, INT1: a trap whose return address is the next instruction. */
export function softInt(e: Emitter, i: Insn): void {
  e.fault();
  const vec = i.mnem === M.Int3 ? 3 : i.mnem === M.Into ? 4 : i.mnem === M.Int1 ? 1 : i.ops[0].lo & 0xff;
  const kind = i.mnem === M.Int ? 0 : i.mnem === M.Int3 ? 1 : i.mnem === M.Into ? 2 : 3;
  e.emit(`c.softInt(${vec}, ${kind}, ${e.next});`);
  e.jumpTo(i.next);
}

export function iret(e: Emitter, i: Insn): void {
  e.fault();
  const size = i.mnem === M.Iretq ? 8 : i.mnem === M.Iretd ? 4 : 2;
  e.emit(`c.iret(${size});`);
  e.wroteRip = true;
}

function farTransfer(e: Emitter, i: Insn, kind: 'jmp' | 'call', sel: string, off: string, size: number): void {
  e.fault();
  e.emit(`c.farTransfer(${kind === 'call'}, ${sel}, ${off}, ${size}, ${e.next});`);
  e.wroteRip = true;
}

function farMemory(e: Emitter, i: Insn, kind: 'jmp' | 'call'): void {
  const m = i.ops[0];
  const offSize = m.size - 2;
  const ea = e.ea(m);
  const off = e.tmp('fo'), sel = e.tmp('fs');
  if (offSize === 8) e.emit(`const ${off} = rd64(c, ${ea}) >>> 0;`);
  else e.emit(`const ${off} = ${offSize === 4 ? `rd32(c, ${ea}) >>> 0` : `rd16(c, ${ea})`};`);
  e.emit(`const ${sel} = rd16(c, ${ea} + ${offSize});`);
  e.emit(`c.farTransfer(${kind === 'call'}, ${sel}, ${off}, ${offSize}, ${e.next});`);
  e.wroteRip = true;
}

export function retFar(e: Emitter, i: Insn): void {
  e.fault();
  const imm = i.ops.length > 0 && i.ops[0].k === OK.Imm ? i.ops[0].lo & 0xffff : 0;
  const size = i.mnem === M.Retf ? (Math.abs(i.stackInc) - imm) / 2 : 4;
  e.emit(`c.retFar(${size || e.mode.stackSize}, ${imm});`);
  e.wroteRip = true;
}

