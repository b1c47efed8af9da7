// Test support: runs NativeCases on the emulator, shaped like the native runner's results. A
// 64-bit ring-0 core over identity-mapped memory; each distinct instruction gets its own code
// slot followed by HLT (so blocks compile once and are reused across cases); RDX points into a
// data window like the runner's; every exception vector exits.
import { Cpu } from '../../../cpu.js';
import { PhysicalMemory } from '../../../memory.js';
import { enterLongMode, identityPageTables } from '../../../boot.js';
import type { NativeCase, NativeResult } from '../native/native.js';

const MEM_SIZE = 4 << 20;
const SLOT_BASE = 0x100000;
const SLOT_SIZE = 32;
const SLOT_END = 0x1f0000;
const DATA = 0x200000;

export interface EmuResult extends NativeResult {
  /** Exception vector the instruction raised, or -1. */
  vector: number;
  errorCode: number | undefined;
}

export class Emu {
  readonly mem = new PhysicalMemory(MEM_SIZE);
  readonly cpu: Cpu;
  private readonly slots = new Map<string, number>();
  private nextSlot = SLOT_BASE;

  constructor() {
    const cr3 = identityPageTables(this.mem, 0x1000, MEM_SIZE);
    this.cpu = new Cpu({ memory: this.mem });
    enterLongMode(this.cpu, cr3);
    this.cpu.intercepts.exceptions = -1;
  }

  private slot(code: Uint8Array): number {
    const key = Buffer.from(code).toString('hex');
    let at = this.slots.get(key);
    if (at === undefined) {
      at = this.nextSlot;
      if (at + SLOT_SIZE > SLOT_END) throw new Error('out of code slots');
      this.nextSlot += SLOT_SIZE;
      const bytes = new Uint8Array(code.length + 1);
      bytes.set(code);
      bytes[code.length] = 0xf4;
      this.mem.write(at, bytes);
      this.slots.set(key, at);
    }
    return at;
  }

  /** Runs each case; `setup` may change the state (CR0/CR4, ...) after it has been loaded. */
  run(cases: NativeCase[], setup?: (cpu: Cpu, c: NativeCase) => void): EmuResult[] {
    return cases.map((c) => this.runOne(c, this.slot(c.code), setup));
  }

  private runOne(c: NativeCase, rip: number, setup?: (cpu: Cpu, c: NativeCase) => void): EmuResult {
    const cpu = this.cpu, s = cpu.state;
    s.xmm.fill(0);
    s.xmm.set(c.xmm.subarray(0, 16));
    s.mxcsr = c.mxcsr >>> 0;
    const fsw = c.fsw ?? 0;
    s.fpuStatus = fsw & ~0x3800;
    s.fpuTop = (fsw >> 11) & 7;
    s.fpuControl = c.fcw || 0x37f;
    // Abridged tag bit set = valid (00); clear = empty (11).
    let tag = 0;
    for (let k = 0; k < 8; k++) if (!(((c.ftw ?? 0) >> k) & 1)) tag |= 3 << (2 * k);
    s.fpuTag = tag;
    for (let k = 0; k < 2; k++) {
      s.fpr[2 * k] = c.mm?.[2 * k] ?? 0;
      s.fpr[2 * k + 1] = c.mm?.[2 * k + 1] ?? 0;
      s.fpe[k] = 0xffff;
    }
    s.set64(0, c.rax ?? 0n);
    s.set64(1, c.rcx ?? 0n);
    s.set64(2, DATA + (c.memOff ?? 0));
    s.setRflags(0x202);
    const mem = new Uint8Array(128);
    if (c.mem) mem.set(c.mem.subarray(0, 64));
    this.mem.write(DATA, mem);
    s.rip = rip;
    setup?.(cpu, c);
    const exit = cpu.run(4);
    let vector = -1, errorCode: number | undefined;
    if (exit.kind === 'exception') { vector = exit.vector; errorCode = exit.errorCode; }
    else if (exit.kind !== 'hlt') throw new Error(`unexpected exit ${JSON.stringify(exit)}`);
    let ftw = 0;
    for (let k = 0; k < 8; k++) if (((s.fpuTag >> (2 * k)) & 3) !== 3) ftw |= 1 << k;
    return {
      signal: vector === 19 || vector === 16 ? 8 : vector === 13 ? 11 : vector === 6 ? 4 : vector < 0 ? 0 : 100 + vector,
      vector, errorCode,
      mxcsr: s.mxcsr >>> 0,
      rflags: s.getRflags(),
      rax: s.getBig(0),
      rcx: s.getBig(1),
      // B (bit 15) mirrors ES (bit 7) on current CPUs.
      fsw: (s.fpuStatus & ~0xb800) | (s.fpuTop << 11) | ((s.fpuStatus & 0x80) << 8),
      ftw,
      mmExp: [s.fpe[0], s.fpe[1]],
      xmm: s.xmm.slice(0, 16),
      mm: Int32Array.from(s.fpr.subarray(0, 4)),
      mem: this.mem.u8.slice(DATA, DATA + 64),
    };
  }
}
