// Test support: runs the same cases on the emulator. A CPL-3 64-bit core over identity-mapped
// memory laid out like the native runner's (data window, guard page); each distinct instruction
// gets its own code slot followed by SYSCALL, which exits (intercepted) once it has retired.
// The 32-bit variant is a flat CPL-0 protected-mode core without paging, ending slots with HLT.
import { CR0, CR4, SEG } from '../../../arch.js';
import { Cpu } from '../../../cpu.js';
import { PhysicalMemory } from '../../../memory.js';
import { enterLongMode, identityPageTables } from '../../../boot.js';
import { SA } from '../../../state.js';
import { FX, GUARD_ADDR, type SimdCase, type SimdResult, WIN, WIN_ADDR } from './state.js';

const MEM_SIZE = 4 << 20;
const PT_ADDR = 0x8000;
const SLOT_BASE = 0x320000;
const SLOT_SIZE = 32;
const SLOT_END = 0x3e0000;
const STACK_TOP = 0x3ff000;

export class Emu {
  readonly mem = new PhysicalMemory(MEM_SIZE);
  readonly cpu: Cpu;
  private readonly slots = new Map<string, number>();
  private nextSlot = SLOT_BASE;

  constructor(readonly bits: 64 | 32 = 64) {
    const mem = this.mem;
    if (bits === 32) {
      this.cpu = new Cpu({ memory: mem, keepSource: true });
      const s = this.cpu.state;
      s.cr0 = CR0.PE | CR0.ET | CR0.NE | CR0.MP;
      s.cr4 = CR4.OSFXSR | CR4.OSXMMEXCPT;
      const flat = SA.P | SA.S | SA.RW | SA.ACCESSED | SA.DB | SA.G;
      s.setSegment(SEG.CS, 0x08, 0, 0xffffffff, flat | SA.CODE);
      for (const g of [SEG.DS, SEG.ES, SEG.SS, SEG.FS, SEG.GS]) s.setSegment(g, 0x10, 0, 0xffffffff, flat);
      this.cpu.flushTlb();
      this.cpu.modeChanged();
      this.cpu.intercepts.exceptions = -1;
      return;
    }
    const cr3 = identityPageTables(mem, 0x1000, MEM_SIZE, { user: true });
    // 4 KiB pages for [2 MiB, 4 MiB) so that the guard page can be left unmapped.
    for (let i = 0; i < 512; i++) {
      const pa = 0x200000 + i * 4096;
      if (pa !== GUARD_ADDR) mem.writeU64(PT_ADDR + 8 * i, pa | 0x67);
    }
    mem.writeU64(0x3000 + 8 * 1, PT_ADDR | 0x67);
    this.cpu = new Cpu({ memory: mem, keepSource: true });
    enterLongMode(this.cpu, cr3, 3);
    this.cpu.intercepts.syscall = true;
    this.cpu.intercepts.exceptions = -1;
  }

  /** Code slot of an instruction (written once; writing slots later would invalidate compiled neighbours). */
  private slot(code: Uint8Array): number {
    const key = Buffer.from(code).toString('hex');
    let at = this.slots.get(key);
    if (at === undefined) {
      at = this.nextSlot;
      if (at + SLOT_SIZE > SLOT_END) throw new Error('out of code slots');
      this.nextSlot += SLOT_SIZE;
      const end = this.bits === 64 ? [0x0f, 0x05] : [0xf4];
      const bytes = new Uint8Array(code.length + end.length);
      bytes.set(code);
      bytes.set(end, code.length);
      this.mem.write(at, bytes);
      this.slots.set(key, at);
    }
    return at;
  }

  /** Runs each case; `setup` may change the state (CR0/CR4, ...) after it has been loaded. */
  run(cases: SimdCase[], setup?: (cpu: Cpu, c: SimdCase) => void): SimdResult[] {
    const at = cases.map((c) => this.slot(c.code));
    return cases.map((c, k) => this.runOne(c, at[k], setup));
  }

  private load(c: SimdCase): void {
    const cpu = this.cpu, s = cpu.state;
    for (let i = 0; i < 16; i++) s.set64(i, c.gpr[i]);
    s.set64(4, this.bits === 64 ? STACK_TOP : STACK_TOP & 0xffffffff);
    s.setRflags((c.rflags & 0x8d5) | 0x202);
    loadFx(cpu, c.fx);
    this.mem.write(WIN_ADDR, c.mem);
    s.halted = false;
  }

  private result(): SimdResult {
    const s = this.cpu.state;
    const res: SimdResult = {
      gpr: new BigUint64Array(16),
      rflags: s.getRflags(),
      fx: saveFx(this.cpu),
      mem: this.mem.u8.slice(WIN_ADDR, WIN_ADDR + WIN),
    };
    for (let i = 0; i < 16; i++) res.gpr[i] = s.getBig(i);
    return res;
  }

  /** The state a case starts from, as a result (what a faulting instruction must leave behind). */
  initial(c: SimdCase): SimdResult {
    this.load(c);
    return this.result();
  }

  private runOne(c: SimdCase, rip: number, setup?: (cpu: Cpu, c: SimdCase) => void): SimdResult {
    const cpu = this.cpu, s = cpu.state;
    this.load(c);
    s.rip = rip;
    const saved = { cr0: s.cr0, cr4: s.cr4 };
    setup?.(cpu, c);
    const exit = cpu.run(16);
    const res = this.result();
    if (exit.kind === 'exception') {
      res.fault = { vector: exit.vector, errorCode: exit.errorCode ?? 0, cr2: exit.vector === 14 ? exit.cr2 : 0 };
      if (s.rip !== rip) res.other = `exception with RIP moved to ${s.rip.toString(16)}`;
    } else if (exit.kind !== (this.bits === 64 ? 'syscall' : 'hlt')) {
      res.other = `exit ${exit.kind}${'what' in exit ? `: ${exit.what}` : ''}`;
    } else if (s.rip !== rip + c.code.length + (this.bits === 64 ? 2 : 1)) {
      res.other = `ended at ${s.rip.toString(16)}`;
    }
    s.cr0 = saved.cr0; s.cr4 = saved.cr4;
    return res;
  }
}

/** x87 tag of a register's contents, as FXRSTOR recomputes it from the abridged tag. */
function tagOf(exp: number, hi: number, lo: number): number {
  const e = exp & 0x7fff;
  if (e === 0) return (hi | lo) === 0 ? 1 : 2;
  if (e === 0x7fff || (hi & 0x80000000) === 0) return 2;
  return 0;
}

export function loadFx(cpu: Cpu, fx: Uint8Array): void {
  const s = cpu.state;
  const dv = new DataView(fx.buffer, fx.byteOffset, FX);
  s.fpuControl = dv.getUint16(0, true);
  const fsw = dv.getUint16(2, true);
  // FXRSTOR recomputes ES (and B, its copy) from the exception flags and masks.
  const pending = (fsw & ~s.fpuControl & 0x3f) !== 0;
  s.fpuStatus = (fsw & ~0xb880) | (pending ? 0x8080 : 0);
  s.fpuTop = (fsw >> 11) & 7;
  let tag = 0;
  for (let j = 0; j < 8; j++) {
    const p = (s.fpuTop + j) & 7;
    const o = 32 + 16 * j;
    s.fpr[2 * p] = dv.getInt32(o, true);
    s.fpr[2 * p + 1] = dv.getInt32(o + 4, true);
    s.fpe[p] = dv.getUint16(o + 8, true);
  }
  for (let p = 0; p < 8; p++) {
    const t = (fx[4] >> p) & 1 ? tagOf(s.fpe[p], s.fpr[2 * p + 1], s.fpr[2 * p]) : 3;
    tag |= t << (2 * p);
  }
  s.fpuTag = tag;
  s.mxcsr = dv.getUint32(24, true);
  for (let k = 0; k < 64; k++) s.xmm[k] = dv.getInt32(160 + 4 * k, true);
}

export function saveFx(cpu: Cpu): Uint8Array {
  const s = cpu.state;
  const fx = new Uint8Array(FX);
  const dv = new DataView(fx.buffer);
  dv.setUint16(0, s.fpuControl, true);
  dv.setUint16(2, (s.fpuStatus & ~0x3800) | ((s.fpuTop & 7) << 11), true);
  let abridged = 0;
  for (let p = 0; p < 8; p++) if (((s.fpuTag >> (2 * p)) & 3) !== 3) abridged |= 1 << p;
  fx[4] = abridged;
  dv.setUint32(24, s.mxcsr, true);
  for (let j = 0; j < 8; j++) {
    const p = (s.fpuTop + j) & 7;
    const o = 32 + 16 * j;
    dv.setInt32(o, s.fpr[2 * p], true);
    dv.setInt32(o + 4, s.fpr[2 * p + 1], true);
    dv.setUint16(o + 8, s.fpe[p], true);
  }
  for (let k = 0; k < 64; k++) dv.setInt32(160 + 4 * k, s.xmm[k], true);
  return fx;
}
