import { buildElf64, buildHelloElf } from '@serval/guest-tools';
import { Node } from '@serval/machine';
import { assemble } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { BufferedHostIo } from './host-io.js';
import { Lwk } from './kernel.js';

/** A one-segment program; R|W|X unless `flags` (PF bits) says otherwise. */
function program(body: string, flags = 7): Uint8Array {
  const { bytes } = assemble(`bits 64\n${body}`, { bitness: 64, origin: 0x401000 });
  return buildElf64({ entry: 0x401000, segments: [{ vaddr: 0x401000, bytes, flags }] });
}

function boot(cores = 1) {
  const io = new BufferedHostIo('input line\n');
  const logs: string[] = [];
  const lwk = new Lwk(new Node({ cores, memory: 256 * 1024 * 1024 }), { io, log: (m) => logs.push(m) });
  return { io, logs, lwk };
}

describe('LWK', () => {
  it('runs a static program: stdout and exit status', () => {
    const { io, lwk } = boot();
    const t = lwk.spawn(buildHelloElf(9), { argv: ['hello'], path: '/bin/hello' });
    expect(lwk.run().kind).toBe('done');
    expect(io.stdout).toBe('Hello from Serval: a static x86-64 program on the LWK\n');
    expect(t.shellStatus).toBe(9);
    expect(lwk.pmem.regions().filter((r) => r.type === 'umem' && r.owner !== 'image cache')).toEqual([]);
  });

  it('builds the SysV entry stack: argc, argv, envp, auxv, and RDX = 0', () => {
    const { io, lwk } = boot();
    // Prints argv[1] (its length is found by scanning for NUL), then exits with argc + RDX.
    const t = lwk.spawn(program(`
        mov r12, rdx
        mov rbx, [rsp]
        mov rsi, [rsp + 16]
        xor edx, edx
.len:   cmp byte [rsi + rdx], 0
        je .print
        inc edx
        jmp .len
.print: mov eax, 1
        mov edi, 1
        syscall
        lea rdi, [rbx + r12]
        mov eax, 60
        syscall
`), { argv: ['prog', 'first-argument', 'x'], envp: ['A=1'], path: 'prog' });
    lwk.run();
    expect(io.stdout).toBe('first-argument');
    expect(t.shellStatus).toBe(3);
  });

  it('reads stdin through read(0)', () => {
    const { io, lwk } = boot();
    lwk.spawn(program(`
        xor eax, eax
        xor edi, edi
        lea rsi, [rel buf]
        mov edx, 64
        syscall
        mov edx, eax
        mov eax, 1
        mov edi, 1
        syscall
        mov eax, 60
        xor edi, edi
        syscall
buf:    times 64 db 0
`), { argv: ['cat'], path: 'cat' });
    lwk.run();
    expect(io.stdout).toBe('input line\n');
  });

  it('returns -ENOSYS for an unimplemented syscall and reports it once', () => {
    const { lwk, logs } = boot();
    const t = lwk.spawn(program(`
        mov eax, 999
        syscall
        mov r12, rax
        mov eax, 999
        syscall
        mov rdi, r12
        neg rdi
        mov eax, 60
        syscall
`), { argv: ['p'], path: 'p' });
    lwk.run();
    expect(t.shellStatus).toBe(38);
    expect(logs).toEqual(['p: unimplemented syscall 999 returns -ENOSYS']);
  });

  it('kills a program that touches unmapped memory with SIGSEGV: status 139 and a message', () => {
    const { lwk, logs } = boot();
    const t = lwk.spawn(program('mov rax, [0x10]'), { argv: ['crash'], path: 'crash' });
    lwk.run();
    expect(t.shellStatus).toBe(139);
    expect(t.status).toMatchObject({ kind: 'killed', signal: 11 });
    expect(logs).toEqual(['crash: terminated by SIGSEGV (invalid memory access at 0x10, rip 0x401000)']);
  });

  it('kills a program that writes to its own code with SIGSEGV', () => {
    const { lwk } = boot();
    const t = lwk.spawn(program('mov byte [rel $], 0x90', 5), { argv: ['w'], path: 'w' });
    lwk.run();
    expect(t.shellStatus).toBe(139);
  });

  it('maps #UD to SIGILL (132) and #DE to SIGFPE (136)', () => {
    const a = boot();
    const t1 = a.lwk.spawn(program('ud2'), { argv: ['u'], path: 'u' });
    a.lwk.run();
    expect(t1.shellStatus).toBe(132);
    const b = boot();
    const t2 = b.lwk.spawn(program('xor ecx, ecx\ndiv ecx'), { argv: ['d'], path: 'd' });
    b.lwk.run();
    expect(t2.shellStatus).toBe(136);
  });

  it('rejects bad programs with a clear error', () => {
    const { lwk } = boot();
    expect(() => lwk.spawn(new TextEncoder().encode('not an elf'), { argv: ['x'], path: 'x' })).toThrow('x is not an ELF file');
    const dyn = buildHelloElf();
    expect(() => lwk.spawn(dyn.slice(0, 80), { argv: ['t'], path: 't' })).toThrow('t is truncated');
  });

  it('runs programs on several cores at once, one task per core', () => {
    const { io, lwk } = boot(2);
    const a = lwk.spawn(buildHelloElf(1), { argv: ['a'], path: 'a' });
    const b = lwk.spawn(buildHelloElf(2), { argv: ['b'], path: 'b' });
    expect(a.threads[0].sched.core.id).toBe(0);
    expect(b.threads[0].sched.core.id).toBe(1);
    lwk.run(() => a.state !== 'live' && b.state !== 'live');
    expect([a.shellStatus, b.shellStatus]).toEqual([1, 2]);
    expect(io.stdout.split('\n').filter(Boolean)).toHaveLength(2);
  });
});
