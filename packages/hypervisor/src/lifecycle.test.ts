// Palacios's VM operations (create, launch, pause, continue, stop, reset, free, simulate) as a
// state machine: every operation from every state, legal or not, and what reset and simulate do.
import { assemble } from '@serval/x86';
import { buildElf64 } from '@serval/guest-tools';
import { describe, expect, it } from 'vitest';
import { buildTickerGuest, tickerVmConfig } from './checkpoint/ticker-guest.js';
import { buildSmpGuest, smpVmConfig } from './smp/smp-guest.js';
import { VmStateError } from './errors.js';
import { Hypervisor } from './hypervisor.js';
import { TestHost } from './test-host.js';
import { VM_TRANSITIONS, type Vm, type VmAction, type VmState } from './vm.js';

const BASE = 0x100000;

function kernel(body: string): Uint8Array {
  const { bytes } = assemble(`bits 64\n${body}`, { bitness: 64, origin: BASE });
  return buildElf64({ entry: BASE, segments: [{ vaddr: BASE, bytes }] });
}

/** Prints `text`, bumps a counter kept in guest memory, prints it, and exits with status 5. */
const printer = (text: string) => kernel(`
        lea rsi, [rel msg]
.next:  lodsb
        test al, al
        jz .done
        mov dx, 0x3f8
        out dx, al
        jmp .next
.done:  inc byte [rel count]
        mov al, [rel count]
        add al, '0'
        out dx, al
        mov al, 5
        mov dx, 0xf4
        out dx, al
        hlt
msg:    db "${text}", 0
count:  db 0
`);

function setup(image = printer('ok')) {
  const host = new TestHost();
  host.files.set('k.elf', image);
  const hv = new Hypervisor(host);
  const vm = hv.createVm({ name: 't', memory: '16M', kernel: { path: 'k.elf' }, devices: [{ id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' }] });
  const run = () => host.node.run({ stop: () => vm.state !== 'running' });
  return { host, hv, vm, run, drive: (stop: () => boolean) => host.node.run({ stop }) };
}

type Setup = ReturnType<typeof setup>;

/** Puts a fresh VM in `state` through legal operations only. */
function inState(state: VmState): Setup {
  const s = setup();
  if (state === 'running' || state === 'paused' || state === 'stopped') s.vm.launch();
  if (state === 'paused') s.vm.pause();
  if (state === 'stopped') s.vm.stop();
  if (state === 'freed') s.vm.free();
  expect(s.vm.state).toBe(state);
  return s;
}

function act(s: Setup, action: VmAction | 'continue'): void {
  const vm: Vm = s.vm;
  switch (action) {
    case 'simulate': vm.simulate(0.001, s.drive); break;
    case 'continue': vm.continue(); break;
    default: vm[action]();
  }
}

const STATES: VmState[] = ['created', 'running', 'paused', 'stopped', 'freed'];
const ACTIONS: (VmAction | 'continue')[] = ['launch', 'pause', 'resume', 'continue', 'stop', 'reset', 'simulate', 'free'];

/** Where each legal operation leaves the VM. */
const NEXT: Record<VmAction | 'continue', (from: VmState) => VmState> = {
  launch: () => 'running',
  pause: () => 'paused',
  resume: () => 'running',
  continue: () => 'running',
  stop: () => 'stopped',
  reset: (from) => (from === 'stopped' ? 'created' : from),
  // Paused, or stopped if the guest ended within the simulated time (checked separately).
  simulate: () => 'paused',
  free: () => 'freed',
};

describe('VM lifecycle state machine', () => {
  for (const from of STATES) {
    for (const action of ACTIONS) {
      const allowed = (VM_TRANSITIONS[action === 'continue' ? 'resume' : action] as readonly VmState[]).includes(from);
      it(`${action} from ${from}: ${allowed ? 'legal' : 'refused'}`, () => {
        const s = inState(from);
        if (!allowed) {
          let err: unknown;
          try { act(s, action); } catch (e) { err = e; }
          expect(err).toBeInstanceOf(VmStateError);
          const e = err as VmStateError;
          expect(e.code).toBe('BAD_VM_STATE');
          expect(e.message).toContain(`cannot ${action === 'continue' ? 'resume' : action} VM "t": it is ${from}`);
          expect(e.state).toBe(from);
          expect(s.vm.state).toBe(from);
          return;
        }
        act(s, action);
        const to = NEXT[action](from);
        if (action === 'simulate') expect(['paused', 'stopped']).toContain(s.vm.state);
        else expect(s.vm.state).toBe(to);
      });
    }
  }

  it('stopping a stopped VM is a no-op, and the first stop reason stays', () => {
    const { vm, run } = setup();
    vm.launch();
    run();
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 5 });
    vm.stop();
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 5 });
  });
});

describe('reset', () => {
  it('a stopped VM reset and launched again runs as a fresh one: kernel reloaded, memory cleared, counts restarted', () => {
    const { host, vm, run } = setup();
    vm.launch();
    run();
    const first = { out: host.text('t.com1'), instructions: vm.instructions };
    expect(first.out).toBe('ok1');
    vm.reset();
    expect(vm.state).toBe('created');
    expect(vm.stopReason).toBeUndefined();
    expect(vm.instructions).toBe(0);
    // The kernel is read from its file again: a new image there is what boots.
    host.files.set('k.elf', printer('new'));
    vm.reset();
    vm.launch();
    run();
    // The counter starts from 0 again: memory was cleared and the image loaded afresh.
    expect(host.text('t.com1')).toBe('ok1new1');
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 5 });
  });

  it('the same image after a reset gives the same output and instruction count', () => {
    const { host, vm, run } = setup();
    vm.launch();
    run();
    const n = vm.instructions;
    vm.reset();
    vm.launch();
    run();
    expect(host.text('t.com1')).toBe('ok1ok1');
    expect(vm.instructions).toBe(n);
  });

  it('a timer-driven guest reset mid-run (devices with timers armed) replays its run exactly', () => {
    const ticker = buildTickerGuest();
    const ref = (() => {
      const host = new TestHost();
      host.files.set('ticker.elf', ticker);
      const vm = new Hypervisor(host).createVm(tickerVmConfig('ticker.elf'));
      vm.launch();
      host.node.run({ stop: () => vm.state !== 'running' });
      return { out: host.text('ticker.com1'), instructions: vm.instructions };
    })();
    const host = new TestHost();
    host.files.set('ticker.elf', ticker);
    const vm = new Hypervisor(host).createVm(tickerVmConfig('ticker.elf'));
    expect(vm.simulate(2.3, (stop) => host.node.run({ stop }))).toBe('paused');
    const partial = host.text('ticker.com1');
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(ref.out.length);
    vm.reset();
    expect(vm.state).toBe('paused');
    vm.resume();
    host.node.run({ stop: () => vm.state !== 'running' });
    expect(host.text('ticker.com1')).toBe(partial + ref.out);
    expect(vm.instructions).toBe(ref.instructions);
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 0 });
  });

  it('a two-vCPU guest reset after its run starts its AP again and repeats itself exactly', () => {
    const host = new TestHost(2);
    host.files.set('smp.bin', buildSmpGuest());
    const vm = new Hypervisor(host).createVm(smpVmConfig('smp.bin'));
    const run = () => {
      vm.launch();
      host.node.run({ stop: () => vm.state !== 'running', untilNs: host.node.clock.now + 1e9 });
      return vm.vcpus.map((v) => v.core.cpu.icount - v.startIcount);
    };
    const first = run();
    expect(host.text('smp.com1')).toBe('smp: bsp=0 ap=1 ipis=1\n');
    vm.reset();
    expect(vm.vcpus[1].parked).toBe(true);
    expect(vm.vcpus[1].lapic?.waitingForStartup).toBe(true);
    expect(vm.vcpus[1].core.cpu.state.apicBase).toBe(0xfee00800);
    expect(run()).toEqual(first);
    expect(host.text('smp.com1')).toBe('smp: bsp=0 ap=1 ipis=1\n'.repeat(2));
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 0 });
  });

  it('a running VM reset stays running; a guest-requested reset stops it with reason reset', () => {
    const reboot = kernel('mov al, 0xfe\nout 0x64, al\nhlt');
    const host = new TestHost();
    host.files.set('r.elf', reboot);
    const vm = new Hypervisor(host).createVm({ name: 'r', memory: '16M', kernel: { path: 'r.elf' }, devices: [{ id: 'kbc', class: 'i8042' }] });
    vm.launch();
    host.node.run({ stop: () => vm.state !== 'running' });
    expect(vm.stopReason).toEqual({ kind: 'reset' });
    vm.reset();
    vm.launch();
    vm.reset();
    expect(vm.state).toBe('running');
    host.node.run({ stop: () => vm.state !== 'running' });
    expect(vm.stopReason).toEqual({ kind: 'reset' });
  });
});

describe('simulate', () => {
  it('runs N ms of guest time, then pauses at a scheduling boundary; a guest that stops first ends stopped', () => {
    const host = new TestHost();
    host.files.set('ticker.elf', buildTickerGuest());
    const vm = new Hypervisor(host).createVm(tickerVmConfig('ticker.elf'));
    const t0 = vm.clock.now;
    expect(vm.simulate(1, (stop) => host.node.run({ stop }))).toBe('paused');
    expect(vm.clock.now).toBeGreaterThanOrEqual(t0 + 1e6);
    expect(vm.clock.now).toBeLessThan(t0 + 2e6);
    const n = vm.instructions;
    expect(n).toBeGreaterThan(0);
    expect(vm.simulate(1, (stop) => host.node.run({ stop }))).toBe('paused');
    expect(vm.instructions).toBeGreaterThan(n);
    expect(vm.simulate(1000, (stop) => host.node.run({ stop }))).toBe('stopped');
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 0 });
    expect(() => vm.simulate(1, () => undefined)).toThrow('cannot simulate VM "ticker": it is stopped');
    const fresh = setup();
    expect(() => fresh.vm.simulate(0, fresh.drive)).toThrow('simulate needs a positive number of milliseconds');
    expect(fresh.vm.state).toBe('created');
  });
});
