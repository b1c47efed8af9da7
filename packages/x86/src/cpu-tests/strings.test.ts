import { describe, expect, it } from 'vitest';
import { assemble } from '../asm/index.js';
import { enterLongMode, identityPageTables } from '../boot.js';
import { Cpu } from '../cpu.js';
import { PhysicalMemory } from '../memory.js';

/** Runs `src` over a 64 KiB pattern at 0x200000 and returns that memory and the registers. */
function run(src: string, budget = 1_000_000) {
  const mem = new PhysicalMemory(4 << 20);
  const cr3 = identityPageTables(mem, 0x1000, 4 << 20);
  for (let i = 0; i < 0x10000; i++) mem.u8[0x200000 + i] = (i * 7 + (i >> 8)) & 0xff;
  mem.write(0x100000, assemble(`bits 64\n${src}\nhlt`, { bitness: 64, origin: 0x100000 }).bytes);
  const cpu = new Cpu({ memory: mem });
  enterLongMode(cpu, cr3);
  cpu.state.rip = 0x100000;
  let exit = cpu.run(budget);
  while (exit.kind === 'budget') exit = cpu.run(budget);
  expect(exit.kind).toBe('hlt');
  return { bytes: mem.read(0x200000, 0x10000), s: cpu.state };
}

// The fast path (64-bit addresses, DF=0) must do exactly what the element loop (a32) does.
describe('REP MOVS/STOS fast path', () => {
  const cases: [string, string][] = [
    ['copy across pages', 'mov rsi, 0x200ff3\nmov rdi, 0x205ffd\nmov rcx, 9000'],
    ['overlapping forward copy replicates', 'mov rsi, 0x200100\nmov rdi, 0x200101\nmov rcx, 5000'],
    ['overlapping backward-safe copy', 'mov rsi, 0x200200\nmov rdi, 0x200100\nmov rcx, 5000'],
  ];
  for (const [name, setup] of cases) {
    it(`movsb: ${name}`, () => {
      const fast = run(`${setup}\nrep movsb`);
      const slow = run(`${setup}\na32 rep movsb`.replace('a32 rep movsb', 'db 0x67, 0xf3, 0xa4'));
      expect(fast.bytes).toEqual(slow.bytes);
      expect([fast.s.getBig(6), fast.s.getBig(7), fast.s.getBig(1)]).toEqual([slow.s.getBig(6), slow.s.getBig(7), slow.s.getBig(1)]);
    });
  }
  for (const [insn, bytes] of [['stosb', [0xaa]], ['stosw', [0x66, 0xab]], ['stosd', [0xab]], ['stosq', [0x48, 0xab]]] as const) {
    it(`rep ${insn} across pages, with a budget that interrupts it`, () => {
      const setup = 'mov rax, 0x1122334455667788\nmov rdi, 0x200ff8\nmov rcx, 3001';
      const fast = run(`${setup}\nrep ${insn}`, 700);
      const slow = run(`${setup}\ndb 0x67, 0xf3, ${bytes.join(', ')}`, 700);
      expect(fast.bytes).toEqual(slow.bytes);
      expect([fast.s.getBig(7), fast.s.getBig(1)]).toEqual([slow.s.getBig(7), slow.s.getBig(1)]);
    });
  }
});
