// The software TLB against the SDM's rules for what a CR3 write flushes (Vol. 3A 4.10.4.1):
// everything but global translations, which only INVLPG, a CR4.PGE toggle or CR4 paging-mode
// changes drop. QEMU flushes global entries on CR3 writes too, so the QEMU system suites cannot
// show the difference; only a stale read after remapping can.
import { describe, expect, it } from 'vitest';
import { assemble } from '../asm/index.js';
import { enterLongMode, identityPageTables } from '../boot.js';
import { Cpu } from '../cpu.js';
import { PhysicalMemory } from '../memory.js';
import { CR4 } from '../arch.js';

const MIB2 = 2 ** 21;
const PD = 0x3000; // identityPageTables(…, 0x1000, …): PML4, PDPT, then the first PD
const OLD = 3 * MIB2, NEW = 2 * MIB2;

/** Reads [OLD] (filling the TLB), remaps its 2 MiB page to NEW, reloads CR3, reads again, INVLPGs, reads again. */
function remapAndReload(global: boolean, pge: boolean) {
  const mem = new PhysicalMemory(8 << 20);
  const cr3 = identityPageTables(mem, 0x1000, 8 << 20);
  const g = global ? 0x100 : 0;
  mem.writeU64(PD + 3 * 8, OLD + 0x83 + g);
  mem.writeU64(OLD, 0x1111);
  mem.writeU64(NEW, 0x2222);
  const src = `bits 64
    mov rbx, ${OLD}
    mov eax, [rbx]
    mov rdi, ${PD + 3 * 8}
    mov qword [rdi], ${NEW + 0x83 + g}
    mov rsi, cr3
    mov cr3, rsi
    mov ecx, [rbx]
    invlpg [rbx]
    mov edx, [rbx]
    hlt`;
  mem.write(0x100000, assemble(src, { bitness: 64, origin: 0x100000 }).bytes);
  const cpu = new Cpu({ memory: mem });
  enterLongMode(cpu, cr3);
  if (!pge) cpu.state.cr4 &= ~CR4.PGE;
  cpu.modeChanged();
  cpu.state.rip = 0x100000;
  cpu.state.set64(4, 0x300000);
  const exit = cpu.run(1000);
  expect(exit.kind).toBe('hlt');
  const s = cpu.state;
  return { first: s.get64(0), afterCr3: s.get64(1), afterInvlpg: s.get64(2) };
}

describe('software TLB: what a CR3 write flushes', () => {
  it('drops a non-global translation', () => {
    expect(remapAndReload(false, true)).toEqual({ first: 0x1111, afterCr3: 0x2222, afterInvlpg: 0x2222 });
  });

  it('keeps a global translation (G set, CR4.PGE on) until INVLPG', () => {
    expect(remapAndReload(true, true)).toEqual({ first: 0x1111, afterCr3: 0x1111, afterInvlpg: 0x2222 });
  });

  it('ignores G while CR4.PGE is off', () => {
    expect(remapAndReload(true, false)).toEqual({ first: 0x1111, afterCr3: 0x2222, afterInvlpg: 0x2222 });
  });
});
