// Robustness: random bytes executed as code in every mode must only ever produce guest-visible
// outcomes (exceptions, exits) — never a host exception, never a hang past the run budget.
import { describe, expect, it } from 'vitest';
import { CR0, SEG } from '../arch.js';
import { enterLongMode, identityPageTables } from '../boot.js';
import { Cpu } from '../cpu.js';
import type { Exit } from '../exits.js';
import { PhysicalMemory } from '../memory.js';
import { SA } from '../state.js';

/** xorshift32: deterministic, so a failure reproduces from its seed. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0; };
}

const MEM = 4 << 20, CODE = 0x200000, TARGET = Number(process.env.SERVAL_FUZZ_INSNS ?? 1_000_000);

type Mode = 'long3' | 'long0' | 'prot32' | 'real';

function setMode(cpu: Cpu, cr3: number, mode: Mode): void {
  const s = cpu.state;
  s.reset();
  if (mode === 'long3' || mode === 'long0') { enterLongMode(cpu, cr3, mode === 'long3' ? 3 : 0); return; }
  if (mode === 'prot32') {
    s.cr0 = CR0.PE | CR0.ET | CR0.NE;
    const code = SA.P | SA.S | SA.CODE | SA.RW | SA.ACCESSED | SA.DB | SA.G;
    const data = SA.P | SA.S | SA.RW | SA.ACCESSED | SA.DB | SA.G;
    s.setSegment(SEG.CS, 0x08, 0, 0xffffffff, code);
    for (const g of [SEG.DS, SEG.ES, SEG.SS, SEG.FS, SEG.GS]) s.setSegment(g, 0x10, 0, 0xffffffff, data);
  } else {
    for (const g of [SEG.DS, SEG.ES, SEG.SS, SEG.FS, SEG.GS, SEG.CS]) s.loadRealModeSegment(g, 0x2000);
  }
  cpu.flushTlb();
  cpu.modeChanged();
}

describe('random bytes as code', () => {
  it(`${TARGET.toLocaleString('en-US')} random instructions: guest-visible outcomes only`, () => {
    const rand = rng(0x5e12a1);
    const mem = new PhysicalMemory(MEM);
    const cr3 = identityPageTables(mem, 0x1000, MEM, { user: true });
    const cpu = new Cpu({ memory: mem });
    const kinds = new Map<string, number>();
    const unimplemented = new Map<string, number>();
    let attempts = 0, runs = 0;
    const code = new Uint8Array(4096);
    while (attempts < TARGET) {
      if (runs % 8 === 0) {
        for (let i = 0; i < code.length; i++) code[i] = rand() & 0xff;
        mem.write(CODE, code);
        if (runs % 512 === 0) identityPageTables(mem, 0x1000, MEM, { user: true });
      }
      const m = rand() % 10;
      const mode: Mode = m < 7 ? 'long3' : m === 7 ? 'long0' : m === 8 ? 'prot32' : 'real';
      setMode(cpu, cr3, mode);
      const s = cpu.state;
      // Registers: half small pointers into RAM (so memory operands often hit), half anything.
      for (let g = 0; g < 16; g++) s.set64(g, rand() & 1 ? 0x100000 + (rand() % 0x200000) : rand() * 4294967296 + rand());
      s.set64(4, 0x380000 + (rand() & 0xff0));
      s.setRflags((rand() & 0x8d5) | 0x202);
      s.rip = mode === 'real' ? (CODE - 0x20000) + (rand() & 0xfff) : CODE + (rand() & 0xfff);
      cpu.intercepts = { syscall: true, io: true, cpuid: rand() & 1 ? true : false, msr: true, allMsrs: false, hlt: true, vmcall: true, exceptions: 0xffffffff, interruptWindow: false };
      const before = cpu.icount;
      let exit: Exit;
      for (let step = 0; ; step++) {
        exit = cpu.run(64);
        if (exit.kind === 'io' || exit.kind === 'mmio') { cpu.complete(0xff); if (step < 4) continue; }
        break;
      }
      attempts += cpu.icount - before + (exit.kind === 'budget' ? 0 : 1);
      kinds.set(exit.kind, (kinds.get(exit.kind) ?? 0) + 1);
      if (exit.kind === 'unimplemented') unimplemented.set(exit.what.split(' ')[0], (unimplemented.get(exit.what.split(' ')[0]) ?? 0) + 1);
      runs++;
    }
    const top = [...unimplemented].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, n]) => `${k}:${n}`).join(' ');
    console.log(`fuzz: ${attempts} instructions in ${runs} runs; exits ${JSON.stringify(Object.fromEntries(kinds))}`);
    if (unimplemented.size) console.log(`fuzz: not yet implemented (mnemonic:runs): ${top}`);
    expect(attempts).toBeGreaterThanOrEqual(TARGET);
  }, 900_000);
});
