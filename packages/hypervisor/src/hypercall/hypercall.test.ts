import { buildLwkGuest, lwkGuestVmConfig } from '@serval/guest-tools';
import { describe, expect, it } from 'vitest';
import { Hypervisor } from '../hypervisor.js';
import { TestHost } from '../test-host.js';
import { ENOSYS, HypercallRegistry } from './registry.js';

const MB = 1024 * 1024;

describe('hypercall registry', () => {
  it('dispatches by number, counts calls, answers -ENOSYS for the rest and remembers them', () => {
    const reg = new HypercallRegistry();
    reg.register(7, 'add', ({ args: [a, b] }) => a + b);
    expect(reg.dispatch(7, { vcpu: 0, args: [2, 3, 0, 0] })).toBe(5);
    expect(reg.dispatch(8, { vcpu: 0, args: [0, 0, 0, 0] })).toBe(-ENOSYS);
    expect(reg.list()).toEqual([{ nr: 7, name: 'add', calls: 1 }]);
    expect([...reg.unknown]).toEqual([[8, 1]]);
  });

  it('refuses a number taken twice, naming both', () => {
    const reg = new HypercallRegistry();
    reg.register(7, 'add', () => 0);
    expect(() => reg.register(7, 'sub', () => 0)).toThrow(expect.objectContaining({ code: 'HYPERCALL_TAKEN', message: 'hypercall 0x7 is already "add"; "sub" needs another number' }));
  });
});

/** The input the guest sums: bytes nobody would guess, the same every run. */
function input(n: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
}

function runLwkGuest(cores: number, memory: string, inputBytes: Uint8Array, output = 'out.txt') {
  const host = new TestHost(cores, 320 * MB);
  host.files.set('lwk.bin', buildLwkGuest());
  host.files.set('in.bin', inputBytes);
  const vm = new Hypervisor(host).createVm(lwkGuestVmConfig('lwk.bin', 'in.bin', output, { cores, memory }));
  vm.launch();
  host.node.run({ stop: () => vm.state !== 'running', untilNs: 10e9 });
  const out = host.files.get(output);
  return {
    vm, console: host.text('lwk-guest.com1'), logs: host.logs, now: host.node.clock.now,
    output: out ? new TextDecoder().decode(out) : undefined,
    counts: vm.vcpus.map((v) => v.core.cpu.icount - v.startIcount),
  };
}

describe('an LWK as the guest: its own vCPUs and memory, host services by hypercall', () => {
  const data = input(100_000);
  const total = data.reduce((a, b) => a + b, 0);
  const half = Math.ceil(data.length / 2);
  const sum0 = data.subarray(0, half).reduce((a, b) => a + b, 0);

  it('maps its memory with 1 GiB pages, starts its other vCPU, splits the work and writes the total to the host file', () => {
    const r = runLwkGuest(2, '256M', data);
    expect(r.logs.filter((l) => l.startsWith('error'))).toEqual([]);
    const share = Math.floor((256 - 32) / 2);
    expect(r.console).toBe([
      'lwk-guest: 2 vCPUs, 256 MiB mapped with 1 GiB pages, input 100000 bytes',
      `lwk-guest: vcpu 0 input sum ${sum0}, ${share} MiB filled and checked, 0 bad pages`,
      `lwk-guest: vcpu 1 input sum ${total - sum0}, ${share} MiB filled and checked, 0 bad pages`,
      `lwk-guest: total ${total}`,
      'lwk-guest: result written to the host',
      '',
    ].join('\n'));
    expect(r.output).toBe(`${total}\n`);
    expect(r.vm.stopReason).toEqual({ kind: 'guest-exit', status: 0 });
    // The AP did its share itself: it ran a large part of the instructions.
    expect(r.counts[1]).toBeGreaterThan(r.counts[0] / 4);
    const calls = Object.fromEntries(r.vm.hypercalls.list().map((c) => [c.name, c.calls]));
    expect(calls).toEqual({ info: 2, 'file-size': 1, 'file-read': 1, 'file-write': 1 });
  }, 120_000);

  it('runs bit for bit the same every time', () => {
    const a = runLwkGuest(2, '64M', data.subarray(0, 5000));
    const b = runLwkGuest(2, '64M', data.subarray(0, 5000));
    expect(b.console).toBe(a.console);
    expect(b.counts).toEqual(a.counts);
    expect(b.now).toBe(a.now);
  }, 120_000);

  it('fails cleanly when the host file it must write is not writable', () => {
    const host = new TestHost(1, 200 * MB);
    host.files.set('lwk.bin', buildLwkGuest());
    host.files.set('in.bin', data.subarray(0, 100));
    const cfg = lwkGuestVmConfig('lwk.bin', 'in.bin', 'out.txt', { cores: 1, memory: '64M' }) as { files: { writable?: boolean }[] };
    cfg.files[1].writable = false;
    const vm = new Hypervisor(host).createVm(cfg);
    vm.launch();
    host.node.run({ stop: () => vm.state !== 'running', untilNs: 10e9 });
    expect(host.text('lwk-guest.com1')).toContain('lwk-guest: failed\n');
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 1 });
    expect(host.files.has('out.txt')).toBe(false);
  }, 60_000);
});
