import { assemble } from '@serval/x86';
import { buildElf64 } from '@serval/guest-tools';
import { describe, expect, it } from 'vitest';
import { Hypervisor } from './hypervisor.js';
import { TestHost } from './test-host.js';

const BASE = 0x100000;

function kernel(body: string): Uint8Array {
  const { bytes } = assemble(`bits 64\n${body}`, { bitness: 64, origin: BASE });
  return buildElf64({ entry: BASE, segments: [{ vaddr: BASE, bytes }] });
}

const PRINT_AND_EXIT = kernel(`
        lea rsi, [rel msg]
.next:  lodsb
        test al, al
        jz .done
        mov dx, 0x3f8
        out dx, al
        jmp .next
.done:  mov al, 5
        mov dx, 0xf4
        out dx, al
        hlt
msg:    db "ok", 10, 0
`);

function setup(image: Uint8Array, extra: Record<string, unknown> = {}) {
  const host = new TestHost();
  host.files.set('k.elf', image);
  const hv = new Hypervisor(host);
  const vm = hv.createVm({
    name: 't', memory: '16M', kernel: { path: 'k.elf' },
    devices: [{ id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' }],
    ...extra,
  });
  const run = () => host.node.run({ stop: () => vm.state !== 'running' });
  return { host, hv, vm, run };
}

describe('VM lifecycle', () => {
  it('launches, runs the guest to its exit status, and records its exits', () => {
    const { host, vm, run } = setup(PRINT_AND_EXIT);
    expect(vm.state).toBe('created');
    vm.launch();
    run();
    expect(vm.state).toBe('stopped');
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 5 });
    expect(host.text('t.com1')).toBe('ok\n');
    // Port I/O is serviced inside the core: no exit per IN/OUT.
    expect(vm.exitCounts.get('io')).toBeUndefined();
    expect(vm.instructions).toBeGreaterThan(10);
  });

  it('refuses illegal transitions with the VM\'s name and state', () => {
    const { vm, hv } = setup(PRINT_AND_EXIT);
    expect(() => vm.pause()).toThrow('cannot pause VM "t": it is created');
    vm.launch();
    expect(() => vm.launch()).toThrow('cannot launch VM "t": it is running');
    vm.pause();
    expect(vm.state).toBe('paused');
    expect(() => vm.free()).toThrow('cannot free VM "t": it is paused');
    vm.resume();
    vm.stop();
    expect(vm.stopReason).toEqual({ kind: 'requested' });
    hv.freeVm(vm.id);
    expect(vm.state).toBe('freed');
    expect(() => hv.vm(vm.id)).toThrow('there is no VM with id 0');
  });

  it('a paused VM makes no progress; resuming continues it', () => {
    const { host, vm, run } = setup(PRINT_AND_EXIT);
    vm.launch();
    vm.pause();
    host.node.run({ untilNs: 1_000_000 });
    expect(vm.instructions).toBe(0);
    vm.resume();
    run();
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 5 });
  });

  it('returns cores and memory to the host when freed', () => {
    const { host, hv, vm } = setup(PRINT_AND_EXIT);
    expect(host.node.cores[0].owner).toBe('vm');
    hv.freeVm(vm.id);
    expect(host.node.cores[0].owner).toBeUndefined();
    expect(host.freed).toHaveLength(1);
  });

  it('fails a guest that halts with interrupts disabled, saying why', () => {
    const { vm, run } = setup(kernel('cli\nhlt'));
    vm.launch();
    run();
    expect(vm.stopReason?.kind).toBe('error');
    expect(vm.stopReason).toMatchObject({ message: expect.stringContaining('halted with interrupts disabled at 0x100001') });
  });

  it('fails a guest that executes an instruction its CPUID offers but Serval does not implement', () => {
    // POPCNT advertised through the config (leaf 1 ECX bit 23), with no implementation behind it.
    const { vm, run } = setup(kernel('nop\npopcnt eax, ebx'), { cpuid: [{ leaf: 1, eax: 0x206a1, ebx: 0x10800, ecx: 1 << 23, edx: 0x0789fbfd }] });
    vm.launch();
    run();
    expect(vm.stopReason).toMatchObject({ kind: 'error', message: expect.stringContaining('popcnt eax,ebx at 0x100001') });
  });

  it('an instruction its CPUID does not offer is #UD (here a triple fault: no IDT)', () => {
    const { vm, run } = setup(kernel('nop\nvmlaunch'));
    vm.launch();
    run();
    expect(vm.stopReason).toMatchObject({ kind: 'error', message: expect.stringContaining('triple-faulted at 0x100001') });
  });

  it('fails a guest that triple-faults (no IDT, then a #UD)', () => {
    const { vm, run } = setup(kernel('ud2'));
    vm.launch();
    run();
    expect(vm.stopReason).toMatchObject({ kind: 'error', message: expect.stringContaining('triple-faulted') });
  });

  it('rejects configs naming unknown device classes or bad options, releasing what it took', () => {
    const host = new TestHost();
    host.files.set('k.elf', PRINT_AND_EXIT);
    const hv = new Hypervisor(host);
    expect(() => hv.createVm({ memory: '16M', kernel: { path: 'k.elf' }, devices: [{ id: 'x', class: 'floppy' }] }))
      .toThrow('config devices[0].class: unknown device class "floppy"');
    expect(() => hv.createVm({ memory: '16M', kernel: { path: 'k.elf' }, devices: [{ id: 'c', class: 'uart16550', options: { port: 'x' } }] }))
      .toThrow('config devices[0].options.port: expected an integer');
    expect(host.node.cores.every((c) => !c.owner)).toBe(true);
    expect(() => hv.createVm({ memory: '16M', kernel: { path: 'missing.elf' } })).toThrow('missing.elf: no such file');
    expect(host.node.cores.every((c) => !c.owner)).toBe(true);
    expect(host.freed).toHaveLength(3);
  });
});
