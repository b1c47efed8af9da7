// A core built for parallel mode compiles locked instructions (and XCHG with memory) to atomic
// compare-and-swap loops (jit/atomic.ts). On one thread they must compute exactly what the plain
// versions compute: memory, every general register and RFLAGS, for each lockable form, operand
// size, aligned and misaligned (the global-lock path) operand, and the CMPXCHG failure paths.
import { describe, expect, it } from 'vitest';
import { assemble } from '../asm/index.js';
import { enterLongMode, identityPageTables } from '../boot.js';
import { Cpu } from '../cpu.js';
import { PhysicalMemory, SYNC_LOCK } from '../memory.js';

const DATA = 0x200000;

function run(src: string, parallel: boolean) {
  const mem = new PhysicalMemory(4 << 20);
  const cr3 = identityPageTables(mem, 0x1000, 4 << 20);
  for (let i = 0; i < 64; i++) mem.u8[DATA + i] = (i * 37 + 11) & 0xff;
  mem.write(0x100000, assemble(`bits 64\n${src}\nhlt`, { bitness: 64, origin: 0x100000 }).bytes);
  const cpu = new Cpu({ memory: mem, parallel, keepSource: true });
  enterLongMode(cpu, cr3);
  cpu.state.rip = 0x100000;
  cpu.state.set64(4, 0x300000);
  const exit = cpu.run(10_000);
  expect(exit.kind).toBe('hlt');
  const source = cpu.blockSource(0x100000) ?? '';
  return {
    mem: mem.read(DATA, 64), regs: Array.from({ length: 16 }, (_, k) => cpu.state.getBig(k)),
    flags: cpu.state.getRflags(), source, lockWord: mem.sync[SYNC_LOCK],
  };
}

// Registers start from distinct patterns; flags from a comparison that sets CF (ADC/SBB read it).
const SETUP = [
  'mov rax, 0x1122334455667788', 'mov rbx, 0x0102030405060708', 'mov rcx, 0x7fffffffffffffff',
  'mov rdx, 0x8000000000000001', 'mov rsi, 5', 'mov rdi, 0x200000', 'mov r8, 0xffffffff', 'mov r9, 3',
  'cmp rsi, 9',
].join('\n');

const CASES: [string, string][] = [
  ['lock add qword', 'lock add qword [rdi], rbx'],
  ['lock add dword imm', 'lock add dword [rdi+4], 0x7fffffff'],
  ['lock add word', 'lock add word [rdi+2], 0x8001'],
  ['lock add byte', 'lock add byte [rdi+1], 0xff'],
  ['lock adc / sbb read CF', 'lock adc dword [rdi+8], r9d\nlock sbb qword [rdi+16], rsi'],
  ['lock sub/and/or/xor', 'lock sub dword [rdi], esi\nlock and qword [rdi+8], rdx\nlock or word [rdi+16], 0x1234\nlock xor byte [rdi+24], 0x5a'],
  ['lock inc/dec/neg/not', 'lock inc qword [rdi]\nlock dec dword [rdi+8]\nlock neg word [rdi+16]\nlock not byte [rdi+24]'],
  ['lock inc wraps to zero', 'mov qword [rdi], -1\nlock inc qword [rdi]'],
  ['xchg without lock prefix', 'xchg [rdi], rax\nxchg ecx, [rdi+8]\nxchg [rdi+12], dl'],
  ['lock xadd all sizes', 'lock xadd [rdi], rbx\nlock xadd [rdi+8], ecx\nlock xadd [rdi+12], dx\nlock xadd [rdi+14], r9b'],
  ['lock cmpxchg success', 'mov rax, [rdi]\nlock cmpxchg [rdi], rbx'],
  ['lock cmpxchg failure loads RAX', 'lock cmpxchg [rdi+8], rbx\nlock cmpxchg [rdi+16], ecx\nlock cmpxchg [rdi+20], si\nlock cmpxchg [rdi+22], r9b'],
  ['lock cmpxchg8b success and failure', 'mov eax, [rdi]\nmov edx, [rdi+4]\nlock cmpxchg8b [rdi]\nlock cmpxchg8b [rdi+8]'],
  ['lock bts/btr/btc immediate', 'lock bts dword [rdi], 5\nlock btr qword [rdi+8], 63\nlock btc word [rdi+16], 3'],
  ['lock bts/btr/btc register offset, negative and far', 'lock bts [rdi+32], rsi\nmov r10, -9\nlock btr [rdi+32], r10\nmov r11, 100\nlock btc dword [rdi], r11d'],
  ['misaligned operands take the lock path', 'lock add dword [rdi+3], 0x10101\nlock xadd [rdi+9], rbx\nlock cmpxchg [rdi+17], ecx\nxchg [rdi+27], ax\nlock cmpxchg8b [rdi+33]'],
];

describe('locked instructions compiled for parallel cores', () => {
  for (const [name, code] of CASES) {
    it(`${name}: same memory, registers and flags as the plain core`, () => {
      const src = `${SETUP}\n${code}`;
      const plain = run(src, false);
      const par = run(src, true);
      expect(par.mem).toEqual(plain.mem);
      expect(par.regs).toEqual(plain.regs);
      expect(par.flags).toBe(plain.flags);
      expect(par.lockWord).toBe(0);
    });
  }

  it('emits atomics only when built for parallel mode', () => {
    const src = `${SETUP}\nlock add qword [rdi], rbx\nxchg [rdi], rax`;
    expect(run(src, true).source).toMatch(/atom\.cas8/);
    expect(run(src, false).source).not.toMatch(/atom\./);
  });

  // Another thread unmaps the page a one-block loop keeps reading and bumps the sync epoch (here
  // from the loop's own RDTSC, standing in for that thread): a parallel core must notice within an
  // iteration and fault, where a plain core keeps its stale translation to the end of its budget.
  for (const parallel of [true, false]) {
    it(`a shootdown ${parallel ? 'ends' : 'does not end'} a one-block loop on a ${parallel ? 'parallel' : 'plain'} core`, () => {
      const mem = new PhysicalMemory(4 << 20);
      const cr3 = identityPageTables(mem, 0x1000, 4 << 20);
      mem.write(0x100000, assemble('bits 64\nl: mov rbx, [0x200000]\nrdtsc\njmp l', { bitness: 64, origin: 0x100000 }).bytes);
      let reads = 0;
      const cpu: Cpu = new Cpu({
        memory: mem, parallel, tsc: () => {
          if (++reads === 1000) { mem.writeU64(0x3008, 0); Atomics.add(mem.sync, 0, 1); }
          return reads;
        },
      });
      enterLongMode(cpu, cr3);
      cpu.intercepts.exceptions = 1 << 14;
      cpu.state.rip = 0x100000;
      const exit = cpu.run(300_000);
      if (parallel) {
        expect(exit).toMatchObject({ kind: 'exception', vector: 14, cr2: 0x200000 });
        expect(reads).toBe(1000);
      } else {
        expect(exit.kind).toBe('budget');
      }
    });
  }
});
