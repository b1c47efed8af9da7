// Every kind of mistake is an AsmError naming the line, what is wrong, and the line's text.
import { describe, expect, it } from 'vitest';
import { ServalError } from '../errors.js';
import { AsmError, assemble } from './index.js';

function errorOf(src: string, bitness: 16 | 32 | 64 = 64): AsmError {
  try {
    assemble(src, { bitness });
  } catch (e) {
    expect(e).toBeInstanceOf(AsmError);
    return e as AsmError;
  }
  throw new Error(`assembled without error: ${src}`);
}

const message = (src: string, bitness: 16 | 32 | 64 = 64) => errorOf(src, bitness).message;

describe('assembler errors', () => {
  it('is a ServalError with code ASM_ERROR and the line number', () => {
    const e = errorOf('nop\nnop\n  jmp nowhere   ; comment');
    expect(e).toBeInstanceOf(ServalError);
    expect(e.code).toBe('ASM_ERROR');
    expect(e.line).toBe(3);
    expect(e.message).toBe("line 3: undefined symbol 'nowhere': jmp nowhere   ; comment");
  });

  it('reports unknown mnemonics and instructions missing from the current mode', () => {
    expect(message('mov eax, 1\nmovx eax, 1')).toBe("line 2: unknown instruction 'movx': movx eax, 1");
    expect(message('hlta')).toBe("line 1: unknown instruction 'hlta': hlta");
    expect(message('pusha')).toBe("line 1: instruction 'pusha' is not available in 64-bit mode: pusha");
    expect(message('bits 32\nswapgs', 32)).toBe("line 2: instruction 'swapgs' is not available in 32-bit mode: swapgs");
  });

  it('reports operand combinations that match no encoding', () => {
    expect(message('mov eax, bl')).toBe('line 1: invalid combination of opcode and operands: mov eax, bl');
    expect(message('push eax')).toBe('line 1: invalid combination of opcode and operands: push eax');
    expect(message('lea eax, ebx')).toBe('line 1: invalid combination of opcode and operands: lea eax, ebx');
    expect(message('jmp 0x08:0x1000')).toBe('line 1: invalid combination of opcode and operands: jmp 0x08:0x1000');
    expect(message('inc [rax]')).toBe('line 1: operation size not specified: inc [rax]');
    expect(message('mov ah, sil')).toBe('line 1: ah/bh/ch/dh cannot be used with a REX prefix: mov ah, sil');
  });

  it('reports values out of range', () => {
    expect(message('mov al, 256')).toBe('line 1: immediate value out of range: mov al, 256');
    expect(message('add rax, 0x80000000')).toBe('line 1: immediate value out of range: add rax, 0x80000000');
    expect(message('int 0x100')).toBe('line 1: immediate value out of range: int 0x100');
    expect(message('db 1, 300')).toBe('line 1: value 300 out of range for a 1-byte item: db 1, 300');
    expect(message('dw -32769')).toBe('line 1: value -32769 out of range for a 2-byte item: dw -32769');
    expect(message('mov eax, [rax + 0x80000000]')).toBe('line 1: displacement out of range: mov eax, [rax + 0x80000000]');
    expect(message('jmp short x\ntimes 128 nop\nx: ret')).toBe('line 1: short jump out of range: jmp short x');
    expect(message('x: times 127 nop\nloop x')).toBe('line 2: short jump out of range: loop x');
    expect(message('times -1 nop')).toBe('line 1: times count must not be negative: times -1 nop');
  });

  it('reports bad addresses', () => {
    expect(message('mov eax, [rax+rbx+rcx]')).toBe(
      'line 1: invalid effective address: too many registers: mov eax, [rax+rbx+rcx]');
    expect(message('mov eax, [rax+ebx]')).toBe('line 1: mixed address sizes in address: mov eax, [rax+ebx]');
    expect(message('mov eax, [rsp*2]')).toBe("line 1: 'rsp' cannot be an index register: mov eax, [rsp*2]");
    expect(message('mov eax, [rax*3+rbx]')).toBe('line 1: invalid scale 3: mov eax, [rax*3+rbx]');
    expect(message('mov ax, [bx+cx]', 16)).toBe('line 1: invalid 16-bit address: mov ax, [bx+cx]');
    expect(message('x: mov eax, [rel x]', 32)).toBe('line 1: RIP-relative addressing needs 64-bit mode: x: mov eax, [rel x]');
    expect(message('mov eax, [rax-rbx]')).toBe('line 1: a register cannot be subtracted in an address: mov eax, [rax-rbx]');
  });

  it('reports syntax errors', () => {
    expect(message('mov eax, [eax')).toBe("line 1: expected ']': mov eax, [eax");
    expect(message('mov eax,, 1')).toBe("line 1: unexpected ',' in expression: mov eax,, 1");
    expect(message('add eax, 1 +')).toBe('line 1: expression expected: add eax, 1 +');
    expect(message('db 1 2')).toBe("line 1: expected ',': db 1 2");
    expect(message('mov eax, 1 2')).toBe('line 1: unexpected text after operand: mov eax, 1 2');
    expect(message("db 'abc")).toBe("line 1: unterminated string: db 'abc");
    expect(message('mov eax, 0x')).toBe("line 1: bad number '0x': mov eax, 0x");
    expect(message('mov eax, 12a')).toBe("line 1: bad number '12a': mov eax, 12a");
    expect(message('mov eax, #1')).toBe("line 1: unexpected character '#': mov eax, #1");
    expect(message('bits 8')).toBe('line 1: bits must be 16, 32 or 64: bits 8');
    expect(message('mov eax, ebx + 1')).toBe("line 1: register 'ebx' not allowed here: mov eax, ebx + 1");
    expect(message('section .data')).toBe('line 1: sections are not supported (flat binary output): section .data');
    expect(message('db 1 / 0')).toBe('line 1: division by zero: db 1 / 0');
    expect(message('%define X 1')).toBe(
      'line 1: preprocessor directives (%define, %macro, ...) are not supported: %define X 1');
  });

  it('reports redefined symbols and misplaced org', () => {
    expect(message('a: nop\na: nop')).toBe("line 2: symbol 'a' redefined: a: nop");
    expect(message('a: nop\n.l: nop\n.l: nop')).toBe("line 3: symbol 'a.l' redefined: .l: nop");
    expect(message('x equ 1\nx equ 2')).toBe("line 2: symbol 'x' redefined: x equ 2");
    expect(message('nop\norg 0x100')).toBe('line 2: org must come before any code or data: org 0x100');
  });
});
