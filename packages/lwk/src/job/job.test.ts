import { buildCpio, buildElf64 } from '@serval/guest-tools';
import { Node } from '@serval/machine';
import { assemble } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { BufferedHostIo } from '../host-io.js';
import { Lwk } from '../kernel.js';
import { SMARTMAP_SLOT } from '../mm/aspace.js';
import { NR } from '../native/abi.js';
import { memFsFromCpio, placeInitrd } from './initrd.js';
import { LabelledIo } from './labelled-io.js';
import { launchJob } from './launch.js';

const MB = 1024 * 1024;

function program(body: string): Uint8Array {
  const { bytes } = assemble(`bits 64\n${body}`, { bitness: 64, origin: 0x401000 });
  return buildElf64({ entry: 0x401000, segments: [{ vaddr: 0x401000, bytes, flags: 7 }] });
}

/** Prints "rank R of N on core C\n" (digits < 10) and exits with R. */
const whoami = program(`
        mov eax, ${NR.sys_info}
        lea rdi, [rel info]
        syscall
        mov al, [rel info + 48]
        add [rel msg + 5], al
        mov al, [rel info + 56]
        add [rel msg + 10], al
        mov al, [rel info + 24]
        add [rel msg + 20], al
        mov eax, 1
        mov edi, 1
        lea rsi, [rel msg]
        mov edx, 22
        syscall
        movzx edi, byte [rel info + 48]
        mov eax, 60
        syscall
msg:    db 'rank 0 of 0 on core 0', 10
align 8
info:   times 11 dq 0
`);

function boot(cores: number, memory = 256 * MB) {
  const io = new BufferedHostIo('typed\n');
  const lwk = new Lwk(new Node({ cores, memory }), { io });
  return { io, lwk };
}

describe('labelled output', () => {
  it('prefixes whole lines with the rank, holds partial lines, and gives stdin to rank 0 only', () => {
    const host = new BufferedHostIo('in');
    const a = new LabelledIo(host, 0), b = new LabelledIo(host, 1);
    const enc = (s: string) => new TextEncoder().encode(s);
    a.write(1, enc('hel'));
    b.write(1, enc('one\ntwo\nthr'));
    a.write(1, enc('lo\n'));
    a.write(2, enc('oops'));
    b.flush(); a.flush();
    expect(host.stdout).toBe('[1] one\n[1] two\n[0] hello\n[1] thr\n');
    expect(host.stderr).toBe('[0] oops\n');
    expect(new TextDecoder().decode(b.read(0, 10))).toBe('');
    expect(new TextDecoder().decode(a.read(0, 10))).toBe('in');
  });
});

describe('job launch', () => {
  it('places each rank on its own cores, labels its output, and reports the worst status', () => {
    const { io, lwk } = boot(4);
    const job = launchJob(lwk, { program: whoami, path: 'whoami', argv: ['whoami'], ranks: 3, io });
    expect(job.ranks.map((p) => p.threads[0].sched.core.id)).toEqual([0, 1, 2]);
    expect(job.ranks.map((p) => p.mm.policy.cpus)).toEqual([[0], [1], [2]]);
    lwk.run(() => job.ended);
    job.flush();
    expect(io.stdout.split('\n').sort().join('\n')).toBe('\n[0] rank 0 of 3 on core 0\n[1] rank 1 of 3 on core 1\n[2] rank 2 of 3 on core 2');
    expect(job.status).toBe(2);
  });

  it('shares cores out evenly and refuses more ranks than cores', () => {
    const { io, lwk } = boot(4);
    const job = launchJob(lwk, { program: whoami, path: 'w', argv: ['w'], ranks: 2, cores: [0, 1, 2, 3], io });
    expect(job.ranks.map((p) => p.mm.policy.cpus)).toEqual([[0, 1], [2, 3]]);
    expect(() => launchJob(lwk, { program: whoami, path: 'w', argv: ['w'], ranks: 3, cores: [2, 3], io })).toThrow('3 ranks need 3 cores, one each; the job has 2 (2,3)');
  });

  it('gives every rank its heap up front with the page size policy', () => {
    const { io, lwk } = boot(2);
    const job = launchJob(lwk, { program: whoami, path: 'w', argv: ['w'], ranks: 2, heap: 16 * MB, maxPage: 2 * MB, io });
    for (const p of job.ranks) {
      expect(p.mm.heapEnd - p.mm.brkStart).toBe(16 * MB);
      expect(p.mm.brkStart % (2 * MB)).toBe(0);
      expect(p.mm.aspace.pageSizeAt(p.mm.brkStart)).toBe(2 * MB);
    }
    const small = launchJob(lwk, { program: whoami, path: 'w', argv: ['w'], ranks: 1, cores: [0], heap: 4 * MB, maxPage: 4096, io });
    expect(small.ranks[0].mm.aspace.pageSizeAt(small.ranks[0].mm.brkStart)).toBe(4096);
  });

  it('SMARTMAPs every rank into every rank: rank r at (r + 1) * 512 GiB', () => {
    const { io, lwk } = boot(2);
    // Each rank stores 100 + rank in 'val', then waits for the other rank's 'val' through SMARTMAP
    // and exits with it.
    const prog = program(`
        mov eax, ${NR.sys_info}
        lea rdi, [rel info]
        syscall
        mov rbx, [rel info + 48]
        lea eax, [rbx + 100]
        mov [rel val], eax
        xor ebx, 1
        inc rbx
        imul rbx, [rel info + 64]
        lea rsi, [rel val]
        add rsi, rbx
wait:   mov edi, [rsi]
        test edi, edi
        jz wait
        mov eax, 60
        syscall
align 8
val:    dq 0
info:   times 11 dq 0
`);
    const job = launchJob(lwk, { program: prog, path: 'sm', argv: ['sm'], ranks: 2, smartmap: true, io });
    const [r0, r1] = job.ranks;
    expect(r0.mm.aspace.translate(2 * SMARTMAP_SLOT + 0x401000)).toBe(r1.mm.aspace.translate(0x401000));
    expect(r0.mm.aspace.translate(SMARTMAP_SLOT + 0x401000)).toBe(r0.mm.aspace.translate(0x401000));
    lwk.run(() => job.ended);
    expect([r0.shellStatus, r1.shellStatus]).toEqual([101, 100]);
  });
});

describe('initrd', () => {
  it('becomes a private file system, and its archive sits in physical memory typed initrd', () => {
    const archive = buildCpio([
      { type: 'dir', path: 'bin' },
      { type: 'file', path: 'bin/tool', data: 'ELF?', mode: 0o755 },
      { type: 'symlink', path: 'bin/t', target: 'tool' },
      { type: 'hardlink', path: 'etc/again', target: 'bin/tool' },
      { type: 'char', path: 'dev/console', major: 5, minor: 1 },
    ]);
    const { fs, skipped } = memFsFromCpio(archive);
    expect(skipped).toEqual(['/dev/console (char)']);
    const st = fs.stat('/bin/t', true);
    expect(typeof st !== 'number' && st.size).toBe(4);
    expect(typeof st !== 'number' && (st.mode & 0o777)).toBe(0o755);
    expect(fs.readlink('/bin/t')).toBe('tool');
    const again = fs.stat('/etc/again', false);
    expect(typeof again !== 'number' && again.nlink).toBe(2);
    const lwk = new Lwk(new Node({ cores: 1, memory: 64 * MB }), { io: new BufferedHostIo(''), fs });
    const r = placeInitrd(lwk, archive);
    expect(lwk.pmem.regions('initrd')).toEqual([r]);
    expect(lwk.node.memory.u8.subarray(r.start, r.start + 6)).toEqual(new TextEncoder().encode('070701'));
  });
});
