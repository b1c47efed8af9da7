// Directives, labels and layout. Expected bytes were checked against NASM 2.16 by hand.
import { describe, expect, it } from 'vitest';
import { assemble } from './index.js';

const hex = (src: string, opts: Parameters<typeof assemble>[1] = {}) =>
  Array.from(assemble(src, opts).bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

describe('labels and layout', () => {
  it('resolves forward and backward references, picking short or near jumps', () => {
    const src = [
      'top: jmp fwd',        // eb 7e: reaches exactly 126 bytes ahead
      'times 124 nop',
      'jmp top',             // eb 80: -128
      'fwd: jmp far_away',   // e9: 130 bytes of nops do not fit a short jump
      'times 130 nop',
      'far_away: ret',
    ].join('\n');
    const r = assemble(src, { bitness: 32, origin: 0x1000 });
    expect(Array.from(r.bytes.subarray(0, 2))).toEqual([0xeb, 0x7e]);
    expect(Array.from(r.bytes.subarray(126, 128))).toEqual([0xeb, 0x80]);
    expect(Array.from(r.bytes.subarray(128, 133))).toEqual([0xe9, 0x82, 0x00, 0x00, 0x00]);
    expect(r.labels).toEqual(new Map([['top', 0x1000], ['fwd', 0x1080], ['far_away', 0x1107]]));
  });

  it('scopes local labels to the previous non-local label', () => {
    const src = 'a: jmp .x\n.x: nop\nb: jmp .x\n.x: jmp a.x';
    const r = assemble(src, { bitness: 64 });
    expect(hex(src, { bitness: 64 })).toBe('eb 00 90 eb 00 eb fb');
    expect([...r.labels.keys()]).toEqual(['a', 'a.x', 'b', 'b.x']);
  });

  it('uses label values in immediates, displacements and data, including forward ones', () => {
    const src = 'mov eax, msg\nmov ecx, [msg + 4]\nlea rsi, [rel msg]\ndq msg\nmsg: db "hi"';
    expect(hex(src, { bitness: 64, origin: 0x400000 })).toBe(
      'b8 1b 00 40 00 8b 0c 25 1f 00 40 00 48 8d 35 08 00 00 00 1b 00 40 00 00 00 00 00 68 69');
  });

  it('assembles plain [label] as absolute and [rel label] / default rel as RIP-relative in 64-bit mode', () => {
    expect(hex('mov eax, [x]\nx: dd 7', { bitness: 64, origin: 0x1000 })).toBe('8b 04 25 07 10 00 00 07 00 00 00');
    expect(hex('mov eax, [rel x]\nx: dd 7', { bitness: 64, origin: 0x1000 })).toBe('8b 05 00 00 00 00 07 00 00 00');
    expect(hex('default rel\nmov eax, [x]\nmov eax, [abs x]\nmov eax, [fs:x]\nx: dd 7', { bitness: 64, origin: 0x1000 }))
      .toBe('8b 05 0f 00 00 00 8b 04 25 15 10 00 00 64 8b 04 25 15 10 00 00 07 00 00 00');
  });

  it('evaluates equ, $, $$, defines and the NASM number and operator forms', () => {
    const src = [
      'size equ end - start',
      'start: dd size, $ - $$, FLAGS | 1',
      "dw 0FFh, 0x10, 0b101, 101b, 17q, 0o17, 1_000, 'A', 'AB'",
      'db (3 + 4) * 2, 7 / 2, -7 // 2, 7 % 3, 1 << 4, 0x80 >> 7, ~0 & 0xff, 6 ^ 3, -1',
      'end:',
    ].join('\n');
    expect(hex(src, { defines: { FLAGS: 0x100 } })).toBe(
      '27 00 00 00 00 00 00 00 01 01 00 00 ' +
      'ff 00 10 00 05 00 05 00 0f 00 0f 00 e8 03 41 00 41 42 ' +
      '0e 03 fd 01 10 01 ff 05 ff');
  });

  it('emits strings, padded data, floats, reserved space and repeated statements', () => {
    expect(hex('db "ab", 0, `c\\n`\ndw "abc"\ndd 1.5\ndq -1')).toBe(
      '61 62 00 63 0a 61 62 63 00 00 00 c0 3f ff ff ff ff ff ff ff ff');
    expect(hex('resb 2\nresw 1\ntimes 3 db 1, 2\ntimes 2 nop\ntimes 2 jmp $')).toBe(
      '00 00 00 00 01 02 01 02 01 02 90 90 eb fe eb fc');
    expect(hex('db 1\ntimes 4 - ($ - $$) db 0xcc')).toBe('01 cc cc cc');
  });

  it('aligns relative to the start, with nop, an explicit fill or zeros', () => {
    expect(hex('db 1\nalign 4\ndb 2\nalign 8, db 0xee\nalignb 4\nalign 1', { origin: 0x7c00 })).toBe(
      '01 90 90 90 02 ee ee ee');
    expect(hex('db 1\nalignb 4\ndb 2')).toBe('01 00 00 00 02');
  });

  it('switches modes mid-source (multiboot-style 32-bit entry jumping to 64-bit code)', () => {
    const src = [
      'bits 32',
      'mov eax, cr4',
      'or eax, 1 << 5',
      'mov cr4, eax',
      'mov ecx, 0xC0000080',
      'rdmsr',
      'or eax, 1 << 8',
      'wrmsr',
      'jmp 0x08:long_mode',
      'bits 64',
      'long_mode: mov rax, 0x123456789',
      'push rax',
      'bits 16',
      'mov ax, [bx+si+2]',
      '[bits 32]',
      'mov ax, [bx+si+2]',
    ].join('\n');
    expect(hex(src, { origin: 0x100000 })).toBe(
      '0f 20 e0 83 c8 20 0f 22 e0 b9 80 00 00 c0 0f 32 0d 00 01 00 00 0f 30 ea 1e 00 10 00 08 00 ' +
      '48 b8 89 67 45 23 01 00 00 00 50 8b 40 02 66 67 8b 40 02');
  });

  it('handles prefixes, segment overrides, far pointers and system instructions', () => {
    expect(hex('rep movsb\nrepne scasb\nlock add [eax], ebx\nmov eax, [fs:0]\nmov eax, gs:[ebx]', { bitness: 32 }))
      .toBe('f3 a4 f2 ae f0 01 18 64 a1 00 00 00 00 65 8b 03');
    expect(hex('lgdt [rax]\nltr ax\nmov cr3, rax\nmov rax, cr8\niretq\nsysret\nswapgs\njmp far [rax]\nretf', { bitness: 64 }))
      .toBe('0f 01 10 0f 00 d8 0f 22 d8 44 0f 20 c0 48 cf 0f 07 0f 01 f8 48 ff 28 cb');
    expect(hex('jmp 0x0:start\nstart: jmp dword 0x08:0x1000', { bitness: 16, origin: 0x7c00 }))
      .toBe('ea 05 7c 00 00 66 ea 00 10 00 00 08 00');
  });

  it('accepts sizes with ptr, st(i), x87/SSE forms and NASM shorthands', () => {
    expect(hex('mov dword ptr [rax], 1\nfld st(2)\nfaddp\nfxch\nmovaps xmm8, [rax]\ncmpltps xmm0, xmm1\nimul eax, 10',
      { bitness: 64 })).toBe('c7 00 01 00 00 00 d9 c2 de c1 d9 c9 44 0f 28 00 0f c2 c1 01 6b c0 0a');
    expect(hex('mov rax, 5\nmov rax, -5\nmov ds, ax\nxchg ebx, eax\nsal ecx, 1', { bitness: 64 }))
      .toBe('b8 05 00 00 00 48 c7 c0 fb ff ff ff 8e d8 93 d1 e1');
  });

  it('reaches a fixed layout when sizes feed back into each other', () => {
    // Each jump's size depends on the others; values referenced before their definition.
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) lines.push(`l${i}: jz l${(i * 7 + 13) % 40}`, `times ${(i * 37) % 11} nop`);
    const r = assemble(lines.join('\n'), { bitness: 64 });
    // Every jump lands where its label is.
    for (let i = 0; i < 40; i++) {
      const at = r.labels.get(`l${i}`)!;
      const target = r.labels.get(`l${(i * 7 + 13) % 40}`)!;
      const b = r.bytes;
      const dest = b[at] === 0x74 ? at + 2 + ((b[at + 1] << 24) >> 24)
        : at + 6 + new DataView(b.buffer, b.byteOffset + at + 2, 4).getInt32(0, true);
      expect(dest).toBe(target);
    }
  });
});
