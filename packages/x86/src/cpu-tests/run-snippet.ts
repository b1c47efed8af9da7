// Runs a snippet of 64-bit code on a fresh core and returns the final state (tests only).
import { assemble } from '../asm/index.js';
import { enterLongMode, identityPageTables } from '../boot.js';
import { Cpu } from '../cpu.js';
import { PhysicalMemory } from '../memory.js';
import type { CpuState } from '../state.js';

const CODE = 0x100000;

export function runSnippet(src: string, setup?: (s: CpuState) => void): CpuState {
  const mem = new PhysicalMemory(4 << 20);
  const cr3 = identityPageTables(mem, 0x1000, 4 << 20);
  const { bytes } = assemble(`bits 64\n${src}\nhlt`, { bitness: 64, origin: CODE });
  mem.write(CODE, bytes);
  const cpu = new Cpu({ memory: mem });
  enterLongMode(cpu, cr3);
  cpu.state.rip = CODE;
  cpu.state.set64(4, 0x300000);
  setup?.(cpu.state);
  const exit = cpu.run(100_000);
  if (exit.kind !== 'hlt') throw new Error(`snippet ended with ${JSON.stringify(exit)}`);
  return cpu.state;
}
