import { buildElf64 } from '@serval/guest-tools';
import { Node } from '@serval/machine';
import { assemble } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { BufferedHostIo } from '../host-io.js';
import { Lwk } from '../kernel.js';
import { PROT_RW, PROT_RX } from '../mm/aspace.js';
import { NR, SYS_INFO_FIELDS } from './abi.js';
import { aspaceCreate, aspaceMapPmem, aspaceOf, pmemAlloc, pmemFree, pmemQuery, setRank, taskCreate } from './api.js';

const MB = 1024 * 1024;

function program(body: string): Uint8Array {
  const { bytes } = assemble(`bits 64\n${body}`, { bitness: 64, origin: 0x401000 });
  return buildElf64({ entry: 0x401000, segments: [{ vaddr: 0x401000, bytes, flags: 7 }] });
}

function boot(cores = 2) {
  const io = new BufferedHostIo('');
  const logs: string[] = [];
  const lwk = new Lwk(new Node({ cores, memory: 128 * MB }), { io, log: (m) => logs.push(m) });
  return { io, lwk, logs };
}

const EXIT = (code: string) => `mov edi, ${code}\n mov eax, 60\n syscall`;

describe('LWK-native calls', () => {
  it('are numbered apart from Linux and reach the kernel as syscalls: sys_info', () => {
    expect(Math.min(...Object.values(NR))).toBe(0x4c570000);
    const { io, lwk, logs } = boot(3);
    const p = lwk.spawn(program(`
        mov eax, ${NR.sys_info}
        lea rdi, [rel buf]
        syscall
        mov r12, rax
        mov eax, 1
        mov edi, 1
        lea rsi, [rel buf]
        mov edx, ${SYS_INFO_FIELDS.length * 8}
        syscall
        ${EXIT('r12d')}
buf:    times 128 db 0
`), { argv: ['info'], path: 'info', core: 1, policy: { maxPage: 2 * MB } });
    setRank(lwk, p, { rank: 2, size: 4, smartmapStride: 2 ** 39 });
    lwk.run();
    expect(p.shellStatus).toBe(0);
    expect(logs).toEqual([]);
    const dv = new DataView(Uint8Array.from(io.out).buffer);
    const got = Object.fromEntries(SYS_INFO_FIELDS.map((f, i) => [f, Number(dv.getBigUint64(i * 8, true))]));
    expect(got).toMatchObject({ version: 1, ncores_node: 3, ncores_lwk: 3, cpu: 1, mem_total: 128 * MB, rank: 2, nranks: 4, smartmap_stride: 2 ** 39, max_page: 2 * MB, aspace_id: p.pid });
    expect(got.mem_free).toBeGreaterThan(100 * MB);
  });

  it('allocate physical memory, map it, and query it by type', () => {
    const { io, lwk } = boot(1);
    // pmem_alloc(2 MiB, 2 MiB, &pa); aspace_map_pmem(0, 0x200000000, pa, 2 MiB, RW); store 0x5a there;
    // pmem_query(UMEM, buf, 16) and write what it filled to stdout; exit with the count.
    const p = lwk.spawn(program(`
        mov eax, ${NR.pmem_alloc}
        mov edi, 0x200000
        mov esi, 0x200000
        lea rdx, [rel pa]
        syscall
        test rax, rax
        jnz fail
        mov eax, ${NR.aspace_map_pmem}
        xor edi, edi
        mov rsi, 0x200000000
        mov rdx, [rel pa]
        mov r10d, 0x200000
        mov r8d, 3
        syscall
        test rax, rax
        jnz fail
        mov rsi, 0x200000000
        mov byte [rsi + 4096], 0x5a
        mov eax, ${NR.pmem_query}
        mov edi, 3
        lea rsi, [rel buf]
        mov edx, 16
        syscall
        mov r12, rax
        imul edx, eax, 24
        mov eax, 1
        mov edi, 1
        lea rsi, [rel buf]
        syscall
        ${EXIT('r12d')}
fail:   ${EXIT('100')}
pa:     dq 0
buf:    times 16 * 24 db 0
`), { argv: ['pmem'], path: 'pmem' });
    lwk.run();
    const n = p.shellStatus!;
    expect(n).toBeGreaterThanOrEqual(3); // image, stack, the new region at least
    const dv = new DataView(Uint8Array.from(io.out).buffer);
    expect(dv.byteLength).toBe(n * 24);
    const regions = Array.from({ length: n }, (_, i) => ({
      start: Number(dv.getBigUint64(i * 24, true)), size: Number(dv.getBigUint64(i * 24 + 8, true)),
      type: dv.getUint32(i * 24 + 16, true), flags: dv.getUint32(i * 24 + 20, true),
    }));
    expect(regions.every((r) => r.type === 3)).toBe(true);
    const mine = regions.filter((r) => r.flags === 1);
    expect(mine).toHaveLength(1);
    const pa = mine[0].start;
    expect(mine[0].size).toBe(2 * MB);
    expect(pa % (2 * MB)).toBe(0);
    expect(lwk.node.memory.u8[pa + 4096]).toBe(0x5a);
    // The process is gone but the memory is not: pmem belongs to whoever frees it.
    expect(pmemQuery(lwk, 'umem').some((r) => r.start === pa)).toBe(true);
    pmemFree(lwk, pa);
    expect(pmemQuery(lwk, 'umem').some((r) => r.start === pa)).toBe(false);
  });

  it('create a task on a chosen core in the caller\'s space, joined through its clear_tid word', () => {
    const { io, lwk } = boot(4);
    // The worker (entry 'worker', RDI = arg) stores its core id + arg in 'result' and exits;
    // main futex-waits on 'tid' until the kernel clears it, then exits with the result.
    const p = lwk.spawn(program(`
        mov dword [rel tid], 1
        mov eax, ${NR.task_create}
        lea rdi, [rel spec]
        syscall
        cmp rax, 0
        jle fail
wait:   mov eax, [rel tid]
        test eax, eax
        jz done
        mov eax, 202
        lea rdi, [rel tid]
        xor esi, esi
        mov edx, 1
        xor r10d, r10d
        syscall
        jmp wait
done:   mov eax, 1
        mov edi, 1
        lea rsi, [rel msg]
        mov edx, 5
        syscall
        ${EXIT('[rel result]')}
fail:   ${EXIT('100')}
worker: mov eax, ${NR.task_cpu}
        syscall
        add rax, rdi
        mov [rel result], eax
        mov eax, 60
        xor edi, edi
        syscall
align 8
spec:   dq 0, 3, worker, stack_top, 40, 0, tid, 0, 0
tid:    dd 0
result: dd 0
msg:    db 'done', 10
align 16
        times 256 db 0
stack_top:
`), { argv: ['rt'], path: 'rt' });
    lwk.run();
    expect(io.stdout).toBe('done\n');
    expect(p.shellStatus).toBe(43);
  });

  it('refuse a core outside the address space\'s mask with -EINVAL', () => {
    const { lwk } = boot(4);
    const p = lwk.spawn(program(`
        mov eax, ${NR.task_create}
        lea rdi, [rel spec]
        syscall
        neg eax
        ${EXIT('eax')}
align 8
spec:   dq 0, 3, 0x401000, 0x402000, 0, 0, 0, 0, 0
`), { argv: ['rt'], path: 'rt', policy: { cpus: [0, 1] } });
    lwk.run();
    expect(p.shellStatus).toBe(22);
  });

  it('set an EDF reservation on the caller, refusing a budget beyond its period', () => {
    const { lwk } = boot(1);
    // task_set_edf(0, 1000, 2000) must fail with -EINVAL (else exit 1); task_set_edf(0, 10 ms,
    // 2 ms) must succeed (else exit 2); then spin, running 2 ms in every 10.
    const p = lwk.spawn(program(`
        mov eax, ${NR.task_set_edf}
        xor edi, edi
        mov esi, 1000
        mov edx, 2000
        syscall
        cmp rax, -22
        jne bad
        mov eax, ${NR.task_set_edf}
        xor edi, edi
        mov esi, 10000000
        mov edx, 2000000
        syscall
        test rax, rax
        jnz good
spin:   jmp spin
bad:    ${EXIT('1')}
good:   ${EXIT('2')}
`), { argv: ['edf'], path: 'edf' });
    let ran = 0;
    lwk.scheds[0].onRun = (_t, s, e) => { ran += e - s; };
    lwk.node.run({ untilNs: 25_000_000 });
    expect(p.state).toBe('live');
    const rt = p.threads[0].rt!;
    expect(rt).toMatchObject({ periodNs: 10_000_000, budgetNs: 2_000_000 });
    expect(rt.release - 20_000_000).toBeGreaterThanOrEqual(0); // periods count from the call, a few ns in
    expect(rt.release - 20_000_000).toBeLessThan(100);
    // Periods [0,10) and [10,20) ms give 2 ms each, [20,25) ms another 2: about 6 ms in all.
    expect(Math.abs(ran - 6_000_000)).toBeLessThan(10_000);
  });

  it('remove and add cores from user space; a task cannot remove its own core', () => {
    const { lwk } = boot(2);
    const other = lwk.spawn(program(`
        xor ebx, ebx
l:      inc ebx
        cmp ebx, 200000
        jne l
        ${EXIT('7')}
`), { argv: ['other'], path: 'other', core: 1 });
    // core_remove(0) → -EBUSY (exit 1 otherwise); core_remove(1) → 0; core_remove(1) again → -EINVAL;
    // core_add(1) → 0; exit 0.
    const p = lwk.spawn(program(`
        mov eax, ${NR.core_remove}
        xor edi, edi
        syscall
        cmp rax, -16
        jne f1
        mov eax, ${NR.core_remove}
        mov edi, 1
        syscall
        test rax, rax
        jnz f2
        mov eax, ${NR.core_remove}
        mov edi, 1
        syscall
        cmp rax, -22
        jne f3
        mov eax, ${NR.core_add}
        mov edi, 1
        syscall
        test rax, rax
        jnz f4
        ${EXIT('0')}
f1:     ${EXIT('1')}
f2:     ${EXIT('2')}
f3:     ${EXIT('3')}
f4:     ${EXIT('4')}
`), { argv: ['ctl'], path: 'ctl', core: 0 });
    lwk.run(() => p.state !== 'live' && other.state !== 'live');
    expect(p.shellStatus).toBe(0);
    expect(other.shellStatus).toBe(7);
    expect(other.threads[0].sched.core.id).toBe(0); // moved off core 1 when it was removed
    expect([...lwk.online].sort()).toEqual([0, 1]);
  });

  it('build a new address space from physical memory and start a task in it (TS API)', () => {
    const { io, lwk } = boot(2);
    const parent = lwk.spawn(program(`l: pause\n jmp l`), { argv: ['init'], path: 'init', core: 0 });
    const id = aspaceCreate(lwk);
    const code = assemble(`bits 64
        mov eax, 1
        mov edi, 1
        lea rsi, [rel msg]
        mov edx, 18
        syscall
        mov eax, 60
        mov edi, 5
        syscall
msg:    db 'in a new aspace!', 13, 10`, { bitness: 64, origin: 0x10000000 }).bytes;
    const text = pmemAlloc(lwk, 4096), stack = pmemAlloc(lwk, 8192);
    lwk.node.memory.write(text.start, code);
    const mm = aspaceOf(lwk, id);
    aspaceMapPmem(lwk, mm, 0x10000000, text.start, 4096, PROT_RX);
    aspaceMapPmem(lwk, mm, 0x20000000, stack.start, 8192, PROT_RW);
    const t = taskCreate(lwk, { aspace: id, cpu: 1, entry: 0x10000000, stack: 0x20002000 }, parent.threads[0]);
    expect(t.sched.core.id).toBe(1);
    expect(t.proc).not.toBe(parent);
    expect(t.proc.parent).toBe(parent);
    lwk.run(() => t.proc.state !== 'live');
    expect(io.stdout).toBe('in a new aspace!\r\n');
    expect(t.proc.shellStatus).toBe(5);
    expect(() => aspaceOf(lwk, id)).toThrow(`there is no address space ${id}`);
  });
});
