import { describe, expect, it } from 'vitest';
import { runSnippet } from './run-snippet.js';

// The inline constant-count shifts must agree with the general helper (which a CL count uses).
describe('constant-count 32-bit shifts', () => {
  const values = [0, 1, 0x80000000 | 0, 0x7fffffff, 0xdeadbeef | 0, 0x40000000, -1];
  for (const op of ['shl', 'shr', 'sar']) {
    it(`${op} by an immediate equals ${op} by cl, result and flags`, () => {
      for (const v of values) {
        for (const n of [1, 2, 7, 31]) {
          const a = runSnippet(`mov eax, ${v >>> 0}\n${op} eax, ${n}\npushfq\npop rbx`);
          const b = runSnippet(`mov eax, ${v >>> 0}\nmov cl, ${n}\n${op} eax, cl\npushfq\npop rbx`);
          expect([a.get32(0), a.get32(3) & 0x8d5], `${op} ${v} ${n}`).toEqual([b.get32(0), b.get32(3) & 0x8d5]);
        }
      }
    });
  }
});

describe('constant-count rotates and 64-bit shifts', () => {
  const v64 = ['0', '1', '0x8000000000000000', '0x7fffffffffffffff', '0xdeadbeefcafebabe', '0x00000000ffffffff', '0xffffffff00000000', '-1'];
  for (const op of ['shl', 'shr', 'sar', 'rol', 'ror']) {
    it(`${op} rax by an immediate equals ${op} rax by cl`, () => {
      for (const v of v64) {
        for (const n of [1, 2, 31, 32, 33, 63]) {
          const a = runSnippet(`mov rax, ${v}\nclc\n${op} rax, ${n}\npushfq\npop rbx`);
          const b = runSnippet(`mov rax, ${v}\nclc\nmov cl, ${n}\n${op} rax, cl\npushfq\npop rbx`);
          const mask = op.startsWith('ro') ? 0x801 : 0x8d5;
          expect([a.getBig(0), a.get32(3) & mask], `${op} ${v} ${n}`).toEqual([b.getBig(0), b.get32(3) & mask]);
        }
      }
    });
    it(`${op} eax by an immediate equals ${op} eax by cl`, () => {
      for (const v of [0, 1, 0x80000000, 0x7fffffff, 0xdeadbeef]) {
        for (const n of [1, 7, 31]) {
          const a = runSnippet(`mov eax, ${v}\nstc\n${op} eax, ${n}\npushfq\npop rbx`);
          const b = runSnippet(`mov eax, ${v}\nstc\nmov cl, ${n}\n${op} eax, cl\npushfq\npop rbx`);
          const mask = op.startsWith('ro') ? 0x801 : 0x8d5;
          expect([a.get32(0), a.get32(3) & mask], `${op} ${v} ${n}`).toEqual([b.get32(0), b.get32(3) & mask]);
        }
      }
    });
  }
});
