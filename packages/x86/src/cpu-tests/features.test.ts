import { describe, expect, it } from 'vitest';
import { assemble } from '../asm/index.js';
import { enterLongMode, identityPageTables } from '../boot.js';
import { Cpu } from '../cpu.js';
import { CpuidModel, CPUID1_ECX } from '../cpuid.js';
import { PhysicalMemory } from '../memory.js';

function firstExit(src: string, model?: CpuidModel) {
  const mem = new PhysicalMemory(4 << 20);
  const cr3 = identityPageTables(mem, 0x1000, 4 << 20);
  mem.write(0x100000, assemble(`bits 64\n${src}\nhlt`, { bitness: 64, origin: 0x100000 }).bytes);
  const cpu = new Cpu({ memory: mem, cpuid: model });
  enterLongMode(cpu, cr3);
  cpu.state.cr4 |= 1 << 18; // OSXSAVE, so AVX would be usable if advertised
  cpu.intercepts.exceptions = 0xffffffff;
  cpu.state.rip = 0x100000;
  return { exit: cpu.run(100), cpu };
}

describe('instructions the CPUID does not advertise raise #UD', () => {
  it.each([
    ['AVX', 'vaddps ymm0, ymm1, ymm2'],
    ['SSE3', 'haddps xmm0, xmm1'],
    ['SSSE3', 'pshufb xmm0, xmm1'],
    ['POPCNT', 'popcnt eax, ebx'],
    ['BMI1', 'andn eax, ebx, ecx'],
    ['CMPXCHG16B', 'cmpxchg16b [rsp-16]'],
  ])('%s: %s', (_name, src) => {
    const { exit } = firstExit(src);
    expect(exit).toMatchObject({ kind: 'exception', vector: 6, rip: 0x100000 });
  });

  it('the same instruction exists once the model advertises it', () => {
    const model = CpuidModel.baseline();
    const [a, b, c, d] = model.get(1, 0, 0);
    model.set(1, [a, b, c | CPUID1_ECX.POPCNT, d]);
    const { exit } = firstExit('popcnt eax, ebx', model);
    expect(exit.kind).not.toBe('exception');
  });
});

describe('prefixed forms that older CPUs execute as the unprefixed instruction', () => {
  it('TZCNT without BMI1 is BSF, LZCNT without LZCNT is BSR (the F3 prefix is ignored)', () => {
    const mem = new PhysicalMemory(4 << 20);
    const cr3 = identityPageTables(mem, 0x1000, 4 << 20);
    mem.write(0x100000, assemble('bits 64\nmov ebx, 0x50\ntzcnt eax, ebx\nlzcnt ecx, ebx\nhlt', { bitness: 64, origin: 0x100000 }).bytes);
    const cpu = new Cpu({ memory: mem });
    enterLongMode(cpu, cr3);
    cpu.state.rip = 0x100000;
    expect(cpu.run(100).kind).toBe('hlt');
    expect(cpu.state.get32(0)).toBe(4); // BSF: index of the lowest set bit
    expect(cpu.state.get32(1)).toBe(6); // BSR: index of the highest set bit (LZCNT would say 25)
  });
});
