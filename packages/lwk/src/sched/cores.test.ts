import { buildElf64 } from '@serval/guest-tools';
import { Node } from '@serval/machine';
import { assemble } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { BufferedHostIo } from '../host-io.js';
import { LwkHost } from '../hostos.js';
import { Lwk } from '../kernel.js';
import type { Process } from '../proc/process.js';
import { addCore, coresOf, removeCore } from './cores.js';

function program(body: string): Uint8Array {
  const { bytes } = assemble(`bits 64\n${body}`, { bitness: 64, origin: 0x401000 });
  return buildElf64({ entry: 0x401000, segments: [{ vaddr: 0x401000, bytes, flags: 7 }] });
}

/** Counts to 300 000 in RBX (registers must survive a move between cores), prints "ok", exits with RBX / 100 000. */
const counter = program(`
        xor ebx, ebx
l:      inc rbx
        cmp rbx, 300000
        jne l
        mov eax, 1
        mov edi, 1
        lea rsi, [rel msg]
        mov edx, 3
        syscall
        mov rax, rbx
        xor edx, edx
        mov ecx, 100000
        div rcx
        mov edi, eax
        mov eax, 60
        syscall
msg:    db 'ok', 10
`);

/** Exits with the first byte of its sched_getaffinity mask. */
const affinity = program(`
        mov eax, 204
        xor edi, edi
        mov esi, 64
        lea rdx, [rel buf]
        syscall
        movzx edi, byte [rel buf]
        mov eax, 60
        syscall
buf:    times 64 db 0
`);

function boot(cores: number, online?: number[]) {
  const io = new BufferedHostIo('');
  const lwk = new Lwk(new Node({ cores, memory: 128 * 1024 * 1024 }), { io, cores: online });
  return { io, lwk };
}

const ended = (ps: Process[]) => () => ps.every((p) => p.state !== 'live');

describe('cores', () => {
  it('places tasks one per core, within their address space\'s cpu mask, and reports the mask as affinity', () => {
    const { lwk } = boot(4);
    const ps = [0, 1, 2].map((i) => lwk.spawn(affinity, { argv: ['a'], path: `a${i}`, policy: { cpus: [2, 3] } }));
    expect(ps.map((p) => p.threads[0].sched.core.id)).toEqual([2, 3, 2]);
    const free = lwk.spawn(affinity, { argv: ['a'], path: 'free' });
    expect(free.threads[0].sched.core.id).toBe(0);
    lwk.run(ended([...ps, free]));
    expect(ps.map((p) => p.shellStatus)).toEqual([0b1100, 0b1100, 0b1100]);
    expect(free.shellStatus).toBe(0b1111);
  });

  it('only uses the cores it was given, and refuses a core it does not own', () => {
    const { lwk } = boot(4, [1, 3]);
    const a = lwk.spawn(affinity, { argv: ['a'], path: 'a' });
    const b = lwk.spawn(affinity, { argv: ['b'], path: 'b' });
    expect([a, b].map((p) => p.threads[0].sched.core.id)).toEqual([1, 3]);
    expect(() => lwk.spawn(affinity, { argv: ['c'], path: 'c', core: 0 })).toThrow('core 0 does not belong to the LWK');
    lwk.run(ended([a, b]));
    expect(a.shellStatus).toBe(0b1010);
  });

  it('hot-removes a core: its task moves with its registers, the core is free for a VM, and can be added back', () => {
    const { io, lwk } = boot(2);
    const a = lwk.spawn(counter, { argv: ['a'], path: 'a' });
    const b = lwk.spawn(counter, { argv: ['b'], path: 'b' });
    expect(b.threads[0].sched.core.id).toBe(1);
    lwk.node.run({ untilNs: 100_000 }); // part of the count
    expect(b.state).toBe('live');
    removeCore(lwk, 1);
    expect(coresOf(lwk)).toEqual([0]);
    expect(b.threads[0].sched.core.id).toBe(0);
    expect(lwk.node.core(1).owner).toBeUndefined();
    const host = new LwkHost(lwk, io, () => {});
    const [lease] = host.acquireCores(1);
    expect(lease.core.id).toBe(1);
    expect(() => addCore(lwk, 1)).toThrow('core 1 is in use by hypervisor');
    lwk.run(ended([a, b]));
    expect([a.shellStatus, b.shellStatus]).toEqual([3, 3]);
    expect(io.stdout).toBe('ok\nok\n');
    lease.release();
    addCore(lwk, 1);
    const c = lwk.spawn(counter, { argv: ['c'], path: 'c', core: 1 });
    lwk.run(ended([c]));
    expect(c.shellStatus).toBe(3);
  });

  it('refuses to remove the last core, or one whose task may run nowhere else', () => {
    const { lwk } = boot(2);
    lwk.spawn(counter, { argv: ['a'], path: 'a', policy: { cpus: [1] } });
    expect(() => removeCore(lwk, 1)).toThrow('a[1] may run on no other core');
    expect(coresOf(lwk)).toEqual([0, 1]);
    removeCore(lwk, 0);
    expect(() => removeCore(lwk, 1)).toThrow("core 1 is the LWK's last core");
  });
});
