import { describe, expect, it } from 'vitest';
import { Cpu } from '../cpu.js';
import { PhysicalMemory } from '../memory.js';
import { enterLongMode, identityPageTables } from '../boot.js';

describe('smoke', () => {
  it('runs a loop in 64-bit mode and exits on hlt', () => {
    const mem = new PhysicalMemory(4 << 20);
    const cr3 = identityPageTables(mem, 0x1000, 4 << 20);
    // mov ecx, 10; xor eax, eax; L: add rax, rcx; dec ecx; jnz L; hlt
    mem.write(0x100000, new Uint8Array([0xb9, 10, 0, 0, 0, 0x31, 0xc0, 0x48, 0x01, 0xc8, 0xff, 0xc9, 0x75, 0xf9, 0xf4]));
    const cpu = new Cpu({ memory: mem, keepSource: true });
    enterLongMode(cpu, cr3);
    cpu.state.rip = 0x100000;
    const exit = cpu.run(1000);
    expect(exit.kind).toBe('hlt');
    expect(cpu.state.get64(0)).toBe(55);
    expect(cpu.icount).toBe(2 + 30 + 1);
  });
});
