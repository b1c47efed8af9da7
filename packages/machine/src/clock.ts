// One global virtual clock for a node. Devices schedule events on it; cores are run in slices up
// to the next event. Order is total and deterministic: by time, then by scheduling order.
import { MachineError } from './errors.js';

/** Virtual time in nanoseconds since the node was created. */
export type VirtualNs = number;

export interface TimerHandle {
  readonly at: VirtualNs;
  cancel(): void;
}

interface Ev {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

export class VirtualClock {
  private t = 0;
  private seq = 0;
  private heap: Ev[] = [];

  get now(): VirtualNs {
    return this.t;
  }

  /** Schedules `fn` at absolute time `at` (not before now). */
  at(at: VirtualNs, fn: () => void): TimerHandle {
    if (!Number.isFinite(at)) throw new MachineError('BAD_TIME', `cannot schedule an event at ${at}`);
    const ev: Ev = { at: Math.max(at, this.t), seq: this.seq++, fn, live: true };
    this.push(ev);
    return { at: ev.at, cancel: () => { ev.live = false; } };
  }

  after(delay: VirtualNs, fn: () => void): TimerHandle {
    return this.at(this.t + Math.max(0, delay), fn);
  }

  /** Time of the earliest live event, or Infinity. */
  nextEventTime(): VirtualNs {
    while (this.heap.length && !this.heap[0].live) this.pop();
    return this.heap.length ? this.heap[0].at : Infinity;
  }

  /** Moves time to `to`, firing every event due at or before it, in order. */
  advanceTo(to: VirtualNs): void {
    if (to < this.t) throw new MachineError('TIME_REVERSED', `virtual time cannot go back from ${this.t} to ${to}`);
    for (;;) {
      const next = this.nextEventTime();
      if (next > to) break;
      const ev = this.pop()!;
      this.t = ev.at;
      ev.fn();
    }
    this.t = to;
  }

  private push(ev: Ev): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Ev | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Ev, b: Ev): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
