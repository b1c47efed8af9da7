// The harness itself: integer instructions the core already implements must agree with the CPU
// (including a page fault on the guard page), so a SIMD mismatch is the SIMD code's fault.
import { describe, expect, it } from 'vitest';
import { requireNative } from './testing/native.js';
import { compareForms } from './testing/compare.js';

describe('simd test harness', () => {
  it('agrees with the CPU on plain integer instructions', (ctx) => {
    const exe = requireNative(ctx);
    expect(compareForms(exe, ['add rax, rcx', 'mov rax, [rsi]', 'mov [rdi], rbx', 'mov eax, [rsi+0xf8]', 'mov qword [rsi+0x100], 1'], { perForm: 8 })).toBe('');
  });
});
