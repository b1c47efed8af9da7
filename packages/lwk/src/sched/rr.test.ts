import { buildElf64 } from '@serval/guest-tools';
import { Node } from '@serval/machine';
import { assemble } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { BufferedHostIo } from '../host-io.js';
import { Lwk } from '../kernel.js';
import { TIMESLICE } from '../proc/sched.js';

const spin = (() => {
  const { bytes } = assemble('bits 64\nl: inc rax\n jmp l', { bitness: 64, origin: 0x401000 });
  return buildElf64({ entry: 0x401000, segments: [{ vaddr: 0x401000, bytes, flags: 5 }] });
})();

describe('round-robin', () => {
  it('tasks sharing a core take turns of one time slice each, in order', () => {
    const lwk = new Lwk(new Node({ cores: 1, memory: 64 * 1024 * 1024 }), { io: new BufferedHostIo('') });
    for (const name of ['A', 'B', 'C']) lwk.spawn(spin, { argv: [name], path: name, core: 0 });
    const turns: [string, number][] = [];
    lwk.scheds[0].onRun = (t, s, e) => {
      const last = turns[turns.length - 1];
      if (last && last[0] === t.proc.name) last[1] += e - s;
      else turns.push([t.proc.name, e - s]);
    };
    lwk.node.run({ untilNs: 2_000_000 }); // at 1 GHz, 10 slices of 200 000 instructions
    expect(turns.map(([n]) => n).join('')).toBe('ABCABCABCA');
    for (const [, ns] of turns) expect(Math.abs(ns - TIMESLICE)).toBeLessThan(4);
  });

  it('a task alone on its core is not sliced', () => {
    const lwk = new Lwk(new Node({ cores: 2, memory: 64 * 1024 * 1024 }), { io: new BufferedHostIo('') });
    for (const name of ['A', 'B']) lwk.spawn(spin, { argv: [name], path: name });
    const runs = [0, 0];
    lwk.scheds.forEach((s, i) => { s.onRun = () => { runs[i]++; }; });
    lwk.node.run({ untilNs: 2_000_000 });
    // One stretch per node quantum (1 ms), not per time slice.
    expect(runs).toEqual([2, 2]);
  });
});
