import { buildElf64 } from '@serval/guest-tools';
import { Node } from '@serval/machine';
import { assemble } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { BufferedHostIo } from '../host-io.js';
import { Lwk } from '../kernel.js';
import type { Process } from '../proc/process.js';
import { nextRelease, pickEdf, replenish, reservation, reserve, runLimitNs } from './edf.js';

const MS = 1e6;

function program(body: string): Uint8Array {
  const { bytes } = assemble(`bits 64\n${body}`, { bitness: 64, origin: 0x401000 });
  return buildElf64({ entry: 0x401000, segments: [{ vaddr: 0x401000, bytes, flags: 7 }] });
}

/** Writes one letter, then exits. */
const say = (ch: string) => program(`
        mov eax, 1
        mov edi, 1
        lea rsi, [rel msg]
        mov edx, 1
        syscall
        mov eax, 60
        xor edi, edi
        syscall
msg:    db '${ch}'
`);

const spin = program(`
l:      inc rax
        jmp l
`);

function boot() {
  const io = new BufferedHostIo('');
  const lwk = new Lwk(new Node({ cores: 1, memory: 128 * 1024 * 1024 }), { io });
  return { io, lwk };
}

const allEnded = (ps: Process[]) => () => ps.every((p) => p.state !== 'live');

describe('EDF reservations', () => {
  it('rejects a budget larger than the period, and replenishes at period boundaries', () => {
    expect(() => reservation(MS, 2 * MS, 0)).toThrow('0 < budget <= period');
    expect(() => reservation(MS, 0, 0)).toThrow('0 < budget <= period');
    const r = reservation(10 * MS, 3 * MS, 0);
    r.leftNs = 0;
    replenish(r, 9.9 * MS);
    expect(r.leftNs).toBe(0);
    replenish(r, 25 * MS); // two periods later: the period [20, 30) ms
    expect(r).toMatchObject({ release: 20 * MS, deadline: 30 * MS, leftNs: 3 * MS });
  });

  it('picks the earliest deadline among runnable tasks with budget, and bounds the run by the next period', () => {
    const a = { state: 'runnable', rt: reservation(10 * MS, 3 * MS, 0) };
    const b = { state: 'runnable', rt: reservation(4 * MS, MS, 0) };
    const c = { state: 'runnable', rt: undefined };
    expect(pickEdf([a, b, c], 0)).toBe(b);
    b.rt.leftNs = 0;
    expect(pickEdf([a, b, c], 1 * MS)).toBe(a);
    expect(runLimitNs([a, b, c], a, 1 * MS)).toBe(3 * MS); // b's next period starts at 4 ms
    expect(runLimitNs([a, b, c], c, 2 * MS)).toBe(2 * MS);
    a.state = 'blocked';
    expect(pickEdf([a, b, c], 2 * MS)).toBeUndefined();
    expect(nextRelease([a, b, c])).toBe(4 * MS);
  });

  it('orders execution by deadline on one core (round-robin keeps the spawn order)', () => {
    for (const edf of [false, true]) {
      const { io, lwk } = boot();
      const ps = ['A', 'B', 'C'].map((ch) => lwk.spawn(say(ch), { argv: [ch], path: ch, core: 0 }));
      if (edf) [30, 10, 20].forEach((period, i) => reserve(ps[i].threads[0], { periodNs: period * MS, budgetNs: MS }));
      lwk.run(allEnded(ps));
      expect(io.stdout).toBe(edf ? 'BCA' : 'ABC');
    }
  });

  it('runs periodic tasks as EDF schedules them, with best-effort work in the gaps', () => {
    const { lwk } = boot();
    const [a, b, c] = ['A', 'B', 'C'].map((name) => lwk.spawn(spin, { argv: [name], path: name, core: 0 }));
    reserve(a.threads[0], { periodNs: 10 * MS, budgetNs: 3 * MS });
    reserve(b.threads[0], { periodNs: 4 * MS, budgetNs: MS });
    const trace: [string, number, number][] = [];
    lwk.scheds[0].onRun = (t, s, e) => {
      const last = trace[trace.length - 1];
      if (last && last[0] === t.proc.name && Math.abs(last[2] - s) < 1) last[2] = e;
      else if (e > s) trace.push([t.proc.name, s, e]);
    };
    lwk.node.run({ untilNs: 40 * MS });
    // The schedule worked out by hand: B (deadline 4) first; A until B's next period; C when both
    // have used their budgets; A preempted at 12 and 32 ms by B, whose deadline (16, 36) is earlier.
    const want: [string, number, number][] = [
      ['B', 0, 1], ['A', 1, 4], ['B', 4, 5], ['C', 5, 8], ['B', 8, 9], ['C', 9, 10],
      ['A', 10, 12], ['B', 12, 13], ['A', 13, 14], ['C', 14, 16], ['B', 16, 17], ['C', 17, 20],
      ['B', 20, 21], ['A', 21, 24], ['B', 24, 25], ['C', 25, 28], ['B', 28, 29], ['C', 29, 30],
      ['A', 30, 32], ['B', 32, 33], ['A', 33, 34], ['C', 34, 36], ['B', 36, 37], ['C', 37, 40],
    ];
    expect(trace.map(([n]) => n).join('')).toBe(want.map(([n]) => n).join(''));
    trace.forEach(([, s, e], i) => {
      expect(Math.abs(s - want[i][1] * MS)).toBeLessThan(100);
      expect(Math.abs(e - want[i][2] * MS)).toBeLessThan(100);
    });
    void c;
  });
});
