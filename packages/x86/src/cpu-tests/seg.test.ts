// LAR, LSL, VERR, VERW and the far-pointer loads. The probe results are what this machine's CPU
// gives for the same descriptors natively: a user program on x86-64 Linux probing the kernel's GDT
// (selectors 0x08/0x10 kernel, 0x23/0x2b/0x33 user, 0x7b the per-CPU segment whose limit is the
// CPU number) printed them; that GDT is rebuilt here, so the same bytes must give the same answers.
import { describe, expect, it } from 'vitest';
import { assemble } from '../asm/index.js';
import { enterLongMode, identityPageTables } from '../boot.js';
import { Cpu } from '../cpu.js';
import { PhysicalMemory } from '../memory.js';

const GDT = 0x5000;
const LINUX_GDT: Record<number, bigint> = {
  1: 0x00af9b000000ffffn, 2: 0x00cf93000000ffffn, 4: 0x00cffb000000ffffn,
  5: 0x00cff3000000ffffn, 6: 0x00affb000000ffffn, 15: 0x0040f50000000001n,
};
const MARK = 0xdeadbeefcafe;

function probe(sel: number) {
  const mem = new PhysicalMemory(4 << 20);
  const cr3 = identityPageTables(mem, 0x1000, 4 << 20, { user: true });
  for (const [i, d] of Object.entries(LINUX_GDT)) mem.writeU64(GDT + Number(i) * 8, d);
  const src = `bits 64
    mov ecx, ${sel}
    mov rax, ${MARK}
    mov rbx, ${MARK}
    lar rax, rcx
    setz dl
    lsl rbx, rcx
    setz dh
    verr cx
    setz r8b
    verw cx
    setz r9b
    mov r10d, 0x12345678
    lar r10d, ecx
    mov r11w, 0x1234
    lar r11w, cx
    ud2`;
  mem.write(0x100000, assemble(src, { bitness: 64, origin: 0x100000 }).bytes);
  const cpu = new Cpu({ memory: mem });
  enterLongMode(cpu, cr3, 3);
  cpu.state.gdtrBase = GDT; cpu.state.gdtrLimit = 16 * 8 - 1;
  cpu.intercepts.exceptions = 0xffffffff;
  cpu.state.rip = 0x100000;
  const exit = cpu.run(1000);
  expect(exit).toMatchObject({ kind: 'exception', vector: 6 });
  const s = cpu.state;
  const hex = (v: number) => `0x${v.toString(16)}`;
  const dx = s.get32(2);
  return `lar ${dx & 0xff} ${hex(s.get64(0))} lar32 ${hex(s.get32(10))} lar16 ${hex(s.get32(11) & 0xffff)} lsl ${dx >> 8} ${hex(s.get64(3))} verr ${s.get32(8) & 0xff} verw ${s.get32(9) & 0xff}`;
}

describe('LAR, LSL, VERR, VERW from user mode: what the host CPU says of the same GDT', () => {
  it.each([
    [0x33, 'lar 1 0xaffb00 lar32 0xaffb00 lar16 0xfb00 lsl 1 0xffffffff verr 1 verw 0'],
    [0x2b, 'lar 1 0xcff300 lar32 0xcff300 lar16 0xf300 lsl 1 0xffffffff verr 1 verw 1'],
    [0x23, 'lar 1 0xcffb00 lar32 0xcffb00 lar16 0xfb00 lsl 1 0xffffffff verr 1 verw 0'],
    [0x10, 'lar 0 0xdeadbeefcafe lar32 0x12345678 lar16 0x1234 lsl 0 0xdeadbeefcafe verr 0 verw 0'],
    [0x08, 'lar 0 0xdeadbeefcafe lar32 0x12345678 lar16 0x1234 lsl 0 0xdeadbeefcafe verr 0 verw 0'],
    [0x7b, 'lar 1 0x40f500 lar32 0x40f500 lar16 0xf500 lsl 1 0x1 verr 1 verw 0'],
    [0x00, 'lar 0 0xdeadbeefcafe lar32 0x12345678 lar16 0x1234 lsl 0 0xdeadbeefcafe verr 0 verw 0'],
    [0x40, 'lar 0 0xdeadbeefcafe lar32 0x12345678 lar16 0x1234 lsl 0 0xdeadbeefcafe verr 0 verw 0'],
    [0x3b, 'lar 0 0xdeadbeefcafe lar32 0x12345678 lar16 0x1234 lsl 0 0xdeadbeefcafe verr 0 verw 0'],
    [0x400, 'lar 0 0xdeadbeefcafe lar32 0x12345678 lar16 0x1234 lsl 0 0xdeadbeefcafe verr 0 verw 0'],
  ])('selector %s', (sel, native) => {
    expect(probe(sel)).toBe(native);
  });
});

describe('far-pointer loads', () => {
  function run(src: string, setup?: (mem: PhysicalMemory) => void) {
    const mem = new PhysicalMemory(4 << 20);
    const cr3 = identityPageTables(mem, 0x1000, 4 << 20);
    for (const [i, d] of Object.entries(LINUX_GDT)) mem.writeU64(GDT + Number(i) * 8, d);
    mem.writeU64(GDT + 7 * 8, 0x00cf13000000ffffn); // a data segment that is not present
    setup?.(mem);
    mem.write(0x100000, assemble(`bits 64\n${src}\nud2`, { bitness: 64, origin: 0x100000 }).bytes);
    const cpu = new Cpu({ memory: mem });
    enterLongMode(cpu, cr3, 0);
    cpu.state.gdtrBase = GDT; cpu.state.gdtrLimit = 16 * 8 - 1;
    cpu.intercepts.exceptions = 0xffffffff;
    cpu.state.rip = 0x100000;
    return { exit: cpu.run(1000), s: cpu.state };
  }

  it('LFS, LGS, LSS take the offset then the selector, in every operand size', () => {
    const { exit, s } = run(`
      mov rbx, 0x200000
      mov rax, -1
      lgs rax, [rbx]
      mov rcx, -1
      lfs ecx, [rbx + 16]
      lss dx, [rbx + 32]`, (m) => {
      m.writeU64(0x200000, 0x123456789abcn); m.writeU64(0x200008, 0x2bn);
      m.writeU64(0x200010, 0x001087654321n); // m16:32: the selector right after 4 bytes of offset
      m.writeU64(0x200020, 0x0010abcdn);
    });
    expect(exit).toMatchObject({ kind: 'exception', vector: 6 });
    expect([s.get64(0), s.segSel[5], s.get64(1), s.segSel[4], s.get32(2) & 0xffff, s.segSel[2]]).toEqual([0x123456789abc, 0x2b, 0x87654321, 0x10, 0xabcd, 0x10]);
  });

  it('a selector that cannot be loaded faults before the register changes', () => {
    const { exit, s } = run(`
      mov rbx, 0x200000
      mov rax, 7
      lfs rax, [rbx]`, (m) => { m.writeU64(0x200000, 0x1111n); m.writeU64(0x200008, 0x38n); });
    expect(exit).toMatchObject({ kind: 'exception', vector: 11, errorCode: 0x38 });
    expect(s.get64(0)).toBe(7);
  });
});
