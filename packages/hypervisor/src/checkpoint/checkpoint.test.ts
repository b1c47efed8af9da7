import { describe, expect, it } from 'vitest';
import { Hypervisor } from '../hypervisor.js';
import { TestHost } from '../test-host.js';
import { CheckpointError } from './errors.js';
import { HEADER_SIZE } from './format.js';
import { buildTickerGuest, tickerVmConfig } from './ticker-guest.js';

const TICKER = buildTickerGuest();

function setup() {
  const host = new TestHost();
  host.files.set('ticker.elf', TICKER);
  const hv = new Hypervisor(host);
  const vm = hv.createVm(tickerVmConfig('ticker.elf'));
  return { host, hv, vm };
}

function runToEnd(host: TestHost, vm: ReturnType<typeof setup>['vm']) {
  host.node.run({ stop: () => vm.state !== 'running' });
  return { out: host.text('ticker.com1'), instructions: vm.instructions, reason: vm.stopReason };
}

/** Runs the guest until its clock reaches `ns` (at a scheduling boundary) and pauses it. */
function runUntil(host: TestHost, vm: ReturnType<typeof setup>['vm'], ns: number) {
  host.node.run({ stop: () => vm.state !== 'running' || host.node.clock.now >= ns });
  vm.pause();
}

const reference = (() => {
  const { host, vm } = setup();
  vm.launch();
  return runToEnd(host, vm);
})();

describe('checkpoints', () => {
  it('the ticker guest runs to its end and its output depends on interrupt timing', () => {
    expect(reference.reason).toEqual({ kind: 'guest-exit', status: 0 });
    expect(reference.out).toMatch(/^ticker: 10 kHz timer, 60 ticks\n(ticks=[0-9A-F]{16} hash=[0-9A-F]{16} tsc=[0-9A-F]{16}\n){5,}ticker done hash=[0-9A-F]{16}\n$/);
    expect(reference.instructions).toBeGreaterThan(500_000);
  });

  it('save, stop, load into the same VM: the guest ends with the output and instruction count of an uninterrupted run', () => {
    const { host, vm } = setup();
    vm.launch();
    runUntil(host, vm, 2_500_000);
    const before = host.text('ticker.com1');
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(reference.out.length);
    const bytes = vm.snapshot();
    vm.stop();
    vm.restore(bytes);
    expect(vm.state).toBe('paused');
    vm.resume();
    const r = runToEnd(host, vm);
    expect(r.out).toBe(reference.out);
    expect(r.instructions).toBe(reference.instructions);
    expect(r.reason).toEqual({ kind: 'guest-exit', status: 0 });
  });

  it('a checkpoint restored on a fresh host continues bit-identically', () => {
    const a = setup();
    a.vm.launch();
    runUntil(a.host, a.vm, 3_200_000);
    const printed = a.host.text('ticker.com1');
    const bytes = a.vm.snapshot();
    const b = setup();
    b.vm.restore(bytes);
    b.vm.resume();
    const r = runToEnd(b.host, b.vm);
    expect(printed + r.out).toBe(reference.out);
    expect(r.instructions).toBe(reference.instructions);
  });

  it('a checkpoint restored later on a busy host sees its own time continue', () => {
    const { host, vm } = setup();
    vm.launch();
    runUntil(host, vm, 1_700_000);
    const printed = host.text('ticker.com1');
    const bytes = vm.snapshot();
    vm.stop();
    // Time passes on the host (fractional, to exercise the rounding of the offset).
    host.node.clock.advanceTo(host.node.clock.now + 123_456_789.25);
    host.output.clear();
    vm.restore(bytes);
    vm.resume();
    const r = runToEnd(host, vm);
    expect(printed + r.out).toBe(reference.out);
    expect(r.instructions).toBe(reference.instructions);
  });

  it('pausing for the save does not disturb a running guest', () => {
    const { host, vm } = setup();
    vm.launch();
    host.node.run({ stop: () => host.node.clock.now >= 1_000_000 });
    const bytes = vm.snapshot();
    expect(vm.state).toBe('running');
    expect(bytes.length).toBeLessThan(200_000);
    expect(runToEnd(host, vm).out).toBe(reference.out);
  });

  it('refuses truncated, damaged and foreign files and leaves the VM unchanged', () => {
    const { host, vm } = setup();
    vm.launch();
    runUntil(host, vm, 1_000_000);
    const bytes = vm.snapshot();
    const code = (f: () => void) => { try { f(); } catch (e) { expect(e).toBeInstanceOf(CheckpointError); return (e as CheckpointError).code; } return 'none'; };
    expect(code(() => vm.restore(bytes.subarray(0, 10), 'x.ckpt'))).toBe('CKPT_TRUNCATED');
    expect(code(() => vm.restore(bytes.subarray(0, bytes.length - 1), 'x.ckpt'))).toBe('CKPT_TRUNCATED');
    const flipped = bytes.slice();
    flipped[HEADER_SIZE + 100] ^= 1;
    expect(() => vm.restore(flipped, 'x.ckpt')).toThrow(/x.ckpt: checkpoint checksum mismatch/);
    expect(code(() => vm.restore(new TextEncoder().encode('#!/bin/sh\necho not a checkpoint at all\n'), 'x.ckpt'))).toBe('CKPT_NOT_A_CHECKPOINT');
    const future = bytes.slice();
    future[8] = 99;
    expect(() => vm.restore(future, 'x.ckpt')).toThrow('x.ckpt: checkpoint format version 99; this Serval reads version 1');
    // Nothing changed: the VM is still paused where it was and runs on to the reference result.
    expect(vm.state).toBe('paused');
    vm.resume();
    expect(runToEnd(host, vm).out).toBe(reference.out);
  });

  it('goes to and from a host file through HostOS', () => {
    const { host, vm } = setup();
    vm.launch();
    runUntil(host, vm, 2_000_000);
    const size = vm.save('saved/ticker.ckpt');
    const file = host.files.get('saved/ticker.ckpt')!;
    expect(file.length).toBe(size);
    expect(new TextDecoder().decode(file.subarray(0, 8))).toBe('SERVALVM');
    vm.stop();
    vm.load('saved/ticker.ckpt');
    vm.resume();
    expect(runToEnd(host, vm).instructions).toBe(reference.instructions);
    expect(() => vm.load('missing.ckpt')).toThrow('missing.ckpt: no such file');
  });

  it('moving a vCPU to another core carries its whole state: the guest cannot tell', () => {
    const { host, vm } = setup();
    vm.launch();
    host.node.run({ stop: () => host.node.clock.now >= 2_300_000 });
    expect(vm.vcpus[0].core.id).toBe(0);
    vm.moveVcpu(0, 1);
    expect(vm.vcpus[0].core.id).toBe(1);
    expect(host.node.cores[0].owner).toBeUndefined();
    expect(host.node.cores[0].driver).toBeUndefined();
    const r = runToEnd(host, vm);
    expect(r.out).toBe(reference.out);
    expect(r.instructions).toBe(reference.instructions);
    expect(() => vm.moveVcpu(3, 0)).toThrow('VM "ticker" has no vCPU 3 (it has 1)');
  });

  it('saves every vCPU of a multi-core VM (the parked application processor too)', () => {
    const host = new TestHost(3);
    host.files.set('ticker.elf', TICKER);
    const hv = new Hypervisor(host);
    const cfg = { ...tickerVmConfig('ticker.elf'), cores: [{}, {}] };
    const vm = hv.createVm(cfg);
    vm.launch();
    runUntil(host, vm, 2_000_000);
    const bytes = vm.snapshot();
    const b = new TestHost(3);
    b.files.set('ticker.elf', TICKER);
    const vm2 = new Hypervisor(b).createVm(cfg);
    vm2.vcpus[1].parked = false;
    vm2.restore(bytes);
    expect(vm2.vcpus.map((v) => v.parked)).toEqual([false, true]);
    expect(vm2.vcpus[1].core.cpu.state.rip).toBe(vm.vcpus[1].core.cpu.state.rip);
    vm2.resume();
    b.node.run({ stop: () => vm2.state !== 'running' });
    expect(vm2.stopReason).toEqual({ kind: 'guest-exit', status: 0 });
    expect(vm2.instructions).toBe(reference.instructions);
  });

  it('refuses a checkpoint from a differently configured VM, and loads into a running VM', () => {
    const { host, vm } = setup();
    const bytes = vm.snapshot();
    const hv2 = new Hypervisor(host);
    const other = hv2.createVm({ ...tickerVmConfig('ticker.elf', 'other'), memory: '32M' });
    expect(() => other.restore(bytes, 'a.ckpt')).toThrow(/a.ckpt was saved by a VM configured differently/);
    vm.launch();
    expect(() => vm.restore(bytes)).toThrow('cannot load a checkpoint into VM "ticker": it is running (pause or stop it first)');
  });
});
