// x87 behaviour that the 64-bit reference runner cannot show: the environment layouts of 32-bit
// protected mode and real mode (Intel SDM vol. 1, figures 8-9 to 8-12), pointers as segment
// offsets, CR0.EM/TS/MP/NE, and FISTTP (SSE3, not advertised). Serval alone, against the layouts.
import { describe, expect, it } from 'vitest';
import { assemble } from '../../asm/index.js';
import { CR0, SEG } from '../../arch.js';
import { enterLongMode, identityPageTables } from '../../boot.js';
import { Cpu } from '../../cpu.js';
import { PhysicalMemory } from '../../memory.js';
import { SA } from '../../state.js';

const CODE = 0x7000, DATA = 0x1000, ENV = 0x2000;

function core(): { cpu: Cpu; mem: PhysicalMemory } {
  const mem = new PhysicalMemory(4 << 20);
  const cpu = new Cpu({ memory: mem });
  cpu.intercepts.exceptions = 0xffffffff;
  return { cpu, mem };
}

/** Flat 32-bit protected mode without paging; DS has base `dsBase`. */
function protected32(cpu: Cpu, dsBase = 0): void {
  const s = cpu.state;
  s.cr0 = CR0.PE | CR0.ET | CR0.NE;
  const code = SA.P | SA.S | SA.CODE | SA.RW | SA.ACCESSED | SA.DB | SA.G;
  const data = SA.P | SA.S | SA.RW | SA.ACCESSED | SA.DB | SA.G;
  s.setSegment(SEG.CS, 0x08, 0, 0xffffffff, code);
  for (const seg of [SEG.ES, SEG.SS, SEG.FS, SEG.GS]) s.setSegment(seg, 0x10, 0, 0xffffffff, data);
  s.setSegment(SEG.DS, 0x18, dsBase, 0xffffffff, data);
  cpu.modeChanged();
}

function run(cpu: Cpu, mem: PhysicalMemory, src: string, bitness: 16 | 32 | 64, origin = CODE) {
  const { bytes } = assemble(`${src}\nhlt`, { bitness, origin });
  mem.write(origin, bytes);
  cpu.state.rip = origin;
  return cpu.run(1000);
}

const u16 = (mem: PhysicalMemory, a: number) => mem.dv.getUint16(a, true);
const u32 = (mem: PhysicalMemory, a: number) => mem.dv.getUint32(a, true);

describe('x87 in other modes (Serval alone)', () => {
  it('32-bit protected mode: the 28-byte environment holds offsets, selectors and FOP', () => {
    const { cpu, mem } = core();
    protected32(cpu, 0x10000);
    mem.dv.setFloat32(0x10000 + DATA, 2.5, true);
    const exit = run(cpu, mem, `bits 32\nfninit\nfld dword [${DATA}]\nfnstenv [${ENV}]`, 32);
    expect(exit.kind).toBe('hlt');
    const at = 0x10000 + ENV;
    expect(u32(mem, at)).toBe(0xffff037f); // FCW (masks set by FNINIT)
    expect(u32(mem, at + 4)).toBe(0xffff3800); // FSW: TOP = 7
    expect(u32(mem, at + 8)).toBe(0xffff3fff); // FTW: R7 valid
    expect(u32(mem, at + 12)).toBe(CODE + 2); // FIP: the FLD, after the 2-byte FNINIT
    expect(u32(mem, at + 16)).toBe(0x08 | (0x105 << 16)); // FCS, FOP = D9 05 (mod 00 r/m 101)
    expect(u32(mem, at + 20)).toBe(DATA); // FDP: the offset, not the linear address
    expect(u32(mem, at + 24)).toBe(0xffff0018); // FDS
    expect(cpu.state.fpuControl).toBe(0x037f);
  });

  it('32-bit protected mode: the 14-byte (o16) environment and an FNSAVE/FRSTOR round trip', () => {
    const { cpu, mem } = core();
    protected32(cpu);
    mem.dv.setFloat64(DATA, -1.75, true);
    const src = `bits 32\nfninit\nfld qword [${DATA}]\nfldpi\ndb 0x66\nfnstenv [${ENV}]\nfnsave [${ENV + 0x100}]\nfrstor [${ENV + 0x100}]\nfnsave [${ENV + 0x200}]`;
    expect(run(cpu, mem, src, 32).kind).toBe('hlt');
    expect(u16(mem, ENV)).toBe(0x037f);
    expect(u16(mem, ENV + 2)).toBe(0x3000); // TOP = 6
    expect(u16(mem, ENV + 4)).toBe(0x0fff); // R6 valid, R7 valid
    expect(u16(mem, ENV + 6)).toBe(CODE + 2 + 6); // FIP: the FLDPI
    expect(u16(mem, ENV + 8)).toBe(0x08);
    expect(u16(mem, ENV + 10)).toBe(DATA); // FDP still the FLD's operand
    expect(u16(mem, ENV + 12)).toBe(0x18);
    const a = mem.u8.slice(ENV + 0x100, ENV + 0x100 + 108), b = mem.u8.slice(ENV + 0x200, ENV + 0x200 + 108);
    expect(Buffer.from(b).toString('hex')).toBe(Buffer.from(a).toString('hex'));
    expect(mem.dv.getUint16(ENV + 0x100 + 28 + 8, true)).toBe(0x4000); // ST(0) = π: exponent 0x4000
  });

  it('real mode: the 14- and 28-byte environments hold 20-bit linear pointers', () => {
    const { cpu, mem } = core();
    const s = cpu.state;
    s.reset();
    s.cr0 |= CR0.NE;
    s.loadRealModeSegment(SEG.CS, 0x0700);
    s.loadRealModeSegment(SEG.DS, 0x0100);
    cpu.modeChanged();
    mem.dv.setUint16(0x1000 + 0x20, 1234, true);
    const src = `bits 16\nfninit\nfild word [0x20]\nfnstenv [0x40]\ndb 0x66\nfnstenv [0x80]`;
    const { bytes } = assemble(`${src}\nhlt`, { bitness: 16, origin: 0 });
    mem.write(0x7000, bytes);
    s.rip = 0;
    expect(cpu.run(1000).kind).toBe('hlt');
    const e14 = 0x1000 + 0x40, e28 = 0x1000 + 0x80;
    const fip = 0x7000 + 2, fdp = 0x1000 + 0x20, fop = 0x706; // DF 06 (mod 00 r/m 110: disp16)
    expect(u16(mem, e14 + 6)).toBe(fip & 0xffff);
    expect(u16(mem, e14 + 8)).toBe(((fip >>> 16) << 12) | fop);
    expect(u16(mem, e14 + 10)).toBe(fdp & 0xffff);
    expect(u16(mem, e14 + 12)).toBe((fdp >>> 16) << 12);
    expect(u32(mem, e28 + 12)).toBe((0xffff0000 | (fip & 0xffff)) >>> 0);
    expect(u32(mem, e28 + 16)).toBe(((fip >>> 16) << 12) | fop);
    expect(u32(mem, e28 + 20)).toBe((0xffff0000 | (fdp & 0xffff)) >>> 0);
    expect(u32(mem, e28 + 24)).toBe((fdp >>> 16) << 12);
  });

  it('64-bit mode: an FS-relative operand leaves its offset in FDP', () => {
    const { cpu, mem } = core();
    const cr3 = identityPageTables(mem, 0x100000, 4 << 20);
    enterLongMode(cpu, cr3);
    cpu.state.segBase[SEG.FS] = 0x200000;
    mem.dv.setFloat32(0x200010, 3, true);
    expect(run(cpu, mem, 'bits 64\nfninit\nfld dword [fs:0x10]', 64, 0x300000).kind).toBe('hlt');
    expect(cpu.state.fpuDp).toBe(0x10);
    expect(cpu.state.fpuIp).toBe(0x300002);
    expect(cpu.state.fpe[7]).toBe(0x4000);
  });

  it('64-bit mode: FXRSTOR64 clears FCS/FDS (its image has no selectors), FXRSTOR loads them', () => {
    const { cpu, mem } = core();
    const cr3 = identityPageTables(mem, 0x100000, 4 << 20);
    enterLongMode(cpu, cr3);
    const img = new Uint8Array(512);
    const dv = new DataView(img.buffer);
    dv.setUint16(0, 0x037f, true); dv.setUint32(24, 0x1f80, true); dv.setUint16(12, 0x44, true); dv.setUint16(20, 0x55, true);
    mem.write(0x200000, img);
    mem.dv.setFloat64(0x201000, 1, true);
    expect(run(cpu, mem, 'bits 64\nfninit\nfld qword [0x201000]\nfxrstor64 [0x200000]', 64, 0x300000).kind).toBe('hlt');
    expect([cpu.state.fpuCs, cpu.state.fpuDs]).toEqual([0, 0]);
    expect(run(cpu, mem, 'bits 64\nfxrstor [0x200000]', 64, 0x300100).kind).toBe('hlt');
    expect([cpu.state.fpuCs, cpu.state.fpuDs]).toEqual([0x44, 0x55]);
  });

  it('CR0: TS raises #NM for x87 instructions, WAIT only with MP; EM raises #NM; NE=0 ignores pending exceptions', () => {
    const { cpu, mem } = core();
    protected32(cpu);
    const s = cpu.state;
    s.cr0 |= CR0.TS;
    let exit = run(cpu, mem, 'bits 32\nfnop', 32);
    expect(exit).toMatchObject({ kind: 'exception', vector: 7 });
    exit = run(cpu, mem, 'bits 32\nfwait', 32, CODE + 0x100);
    expect(exit.kind).toBe('hlt'); // TS without MP: WAIT runs
    s.cr0 |= CR0.MP;
    exit = run(cpu, mem, 'bits 32\nfwait', 32, CODE + 0x200);
    expect(exit).toMatchObject({ kind: 'exception', vector: 7 });
    s.cr0 = (s.cr0 & ~(CR0.TS | CR0.MP)) | CR0.EM;
    exit = run(cpu, mem, 'bits 32\nfxsave [0x4000]', 32, CODE + 0x300);
    expect(exit).toMatchObject({ kind: 'exception', vector: 7 });
    s.cr0 &= ~CR0.EM;
    // An unmasked zero divide leaves an exception pending; the next FADD raises #MF with NE=1 ...
    exit = run(cpu, mem, 'bits 32\nfninit\nfldcw [cw]\nfld1\nfldz\nfdivp st1, st0\nfadd st0, st0\njmp end\ncw: dw 0x037b\nend:', 32, CODE + 0x400);
    expect(exit).toMatchObject({ kind: 'exception', vector: 16 });
    expect(s.fpuStatus & 0x8084).toBe(0x8084);
    // ... and is ignored with NE=0 (no FERR# interrupt is modelled).
    s.cr0 &= ~CR0.NE;
    exit = run(cpu, mem, 'bits 32\nfadd st0, st0', 32, CODE + 0x500);
    expect(exit.kind).toBe('hlt');
  });

  it('FISTTP (SSE3) raises #UD: SSE3 is not advertised', () => {
    const { cpu, mem } = core();
    protected32(cpu);
    const exit = run(cpu, mem, 'bits 32\nfninit\nfld1\nfisttp dword [0x4000]', 32);
    expect(exit).toMatchObject({ kind: 'exception', vector: 6 });
  });
});
