// Probes the test kernels build from: one access that may fault (the handler prints the frame, or
// ` no-fault` is printed), and the trips from kernel to user mode and back.
import { type Bits, expectFault, fixFlags, kv, label, say, sayln } from './asm.js';

export type AccessKind = 'read' | 'write' | 'fetch';

/**
 * One access to linear address `va` (an expression) after `tag`: prints ` read=<value>` when a
 * read succeeds, ` ok` when a write or fetch does, else the handler's frame line; a fetch calls
 * the address (the page must hold a RET). The flags are fixed first so the pushed RFLAGS agree.
 */
export function access(b: Bits, tag: string, kind: AccessKind, va: string): string {
  const [bx, sp, ax, w] = b === 64 ? ['rbx', 'rsp', 'rax', 'qword'] : ['ebx', 'esp', 'eax', 'dword'];
  const at = label('at'), after = label('after'), ok = label('ok');
  const insn = kind === 'read' ? 'mov eax, [BX]' : kind === 'write' ? 'mov dword [BX], 0x0bad0bad' : 'call BX';
  const report = kind === 'read' ? kv(b, 'read', ax, 8) : say(b, ' ok');
  return `        mov ${bx}, ${va}
        mov [v_t5], ${sp}
${expectFault(b, tag, at, after)}
${kind === 'fetch' ? `        mov ${w} [v_ripbase], ${bx}` : ''}
${fixFlags(b)}
${at}:   ${insn.replace('BX', bx)}
${report}
        mov ${w} [v_resume], 0
        ${b === 64 ? 'call s64_nl' : 'call s32_nl'}
${after}:
        mov ${sp}, [v_t5]
        cmp ${w} [v_resume], 0
        je ${ok}
        mov ${w} [v_resume], 0
${sayln(b, ' lost')}
${ok}:`;
}

/**
 * Enters 64-bit user mode at `target` with IOPL 3 (so user code may print) through IRETQ;
 * `toKernel64()` in user code comes back to the instruction after this.
 */
export function enterUser64(target: string, rflags = 0x3002): string {
  const back = label('kback');
  return `        mov [v_ksp], rsp
        mov qword [v_kret], ${back}
        push SEL_UDATA | 3
        push USTACK_TOP
        push 0x${rflags.toString(16)}
        push SEL_UCODE64 | 3
        push ${target}
        iretq
${back}:`;
}

/** From user mode: INT 0x7f (a DPL 3 gate), whose frame is printed, back to the kernel. */
export function toKernel(b: Bits, tag: string): string {
  const w = b === 64 ? 'qword' : 'dword';
  const at = label('int7f');
  return `${say(b, tag)}
        mov ${w} [v_ripbase], ${at}
        mov ${w} [v_resume], 2
${fixFlags(b)}
${at}:   int 0x7f`;
}

/** Enters 32-bit user mode at `target` through IRETD (IOPL 3); `toKernel(32)` comes back. */
export function enterUser32(target: string, eflags = 0x3002): string {
  const back = label('kback');
  return `        mov [v_ksp], esp
        mov dword [v_kret], ${back}
        push SEL_UDATA | 3
        push USTACK_TOP
        push 0x${eflags.toString(16)}
        push SEL_UCODE32 | 3
        push ${target}
        iretd
${back}:
        mov ax, SEL_DATA
        mov ds, ax
        mov es, ax`;
}

/**
 * Runs `insn` (after `setup`, with the flags fixed) and reports the exception it raises, or ` ok`.
 * `setup` runs after the handler is armed, so it may re-arm it (e.g. to resume in the kernel).
 * Execution resumes after `insn` either way, on the stack pointer saved before `setup`; `cleanup`
 * then runs (restoring what `setup` changed).
 */
export function trap(b: Bits, tag: string, insn: string, opts: { setup?: string; cleanup?: string; iflag?: boolean } = {}): string {
  const [sp, w] = b === 64 ? ['rsp', 'qword'] : ['esp', 'dword'];
  const at = label('at'), after = label('after'), ok = label('ok');
  return `        mov [v_t5], ${sp}
${expectFault(b, tag, at, after)}
${opts.setup ?? ''}
${fixFlags(b, opts.iflag)}
${at}:
${insn}
${say(b, ' ok')}
        mov ${w} [v_resume], 0
        ${b === 64 ? 'call s64_nl' : 'call s32_nl'}
${after}:
        mov ${sp}, [v_t5]
        cmp ${w} [v_resume], 0
        je ${ok}
        mov ${w} [v_resume], 0
${sayln(b, ' lost')}
${ok}:
${opts.cleanup ?? ''}`;
}

/** Defines a zero-terminated string in line (jumped over) and returns its label. */
function inlineString(text: string): [string, string] {
  const l = label('str'), skip = label('skip');
  return [l, `        jmp ${skip}\n${l}: db "${text}", 0\n${skip}:`];
}

/** From code that may not do I/O: prints `text`, and the hex value of `value` (a 64-bit operand) if given. */
export function svcSay(text: string, value?: string): string {
  const [l, def] = inlineString(text);
  return `${def}
        push rsi
        push rdx
        mov rsi, ${l}
${value ? `        mov rdx, ${value}\n        int 0x7d` : '        int 0x7e'}
        pop rdx
        pop rsi`;
}

/** Like `trap`, for 64-bit code that may not do I/O: the handler prints the tag, or INT 0x7e prints "tag ok". */
export function svcTrap(tag: string, insn: string, opts: { setup?: string } = {}): string {
  const [t, tdef] = inlineString(tag);
  const at = label('at'), after = label('after');
  return `${tdef}
        mov [v_t5], rsp
        mov qword [v_tag], ${t}
        mov qword [v_ripbase], ${at}
        mov qword [v_resume], ${after}
${opts.setup ?? ''}
${fixFlags(64)}
${at}:
${insn}
        mov qword [v_resume], 0
        mov qword [v_tag], 0
${svcSay(`${tag} ok`)}
${after}:
        mov rsp, [v_t5]`;
}

/** `toKernel` for 64-bit code that may not do I/O: the handler prints the tag. */
export function svcToKernel(tag: string): string {
  const [t, tdef] = inlineString(tag);
  const at = label('int7f');
  return `${tdef}
        mov qword [v_tag], ${t}
        mov qword [v_ripbase], ${at}
        mov qword [v_resume], 2
${fixFlags(64)}
${at}:   int 0x7f`;
}
