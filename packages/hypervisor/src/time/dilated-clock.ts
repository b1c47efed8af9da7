// Time dilation: a VM whose clocks run at `factor` × virtual time. Devices schedule and read time on
// this clock in guest nanoseconds; events are kept by the underlying clock in its own time, so the
// node's scheduling is unchanged. A factor of 10 makes a guest's 10 ms timer fire after 1 ms of
// virtual time (a slow simulated CPU sees a fast wall clock).
import { type TimerHandle, VirtualClock, type VirtualNs } from '@serval/machine';
import { HypervisorError } from '../errors.js';

export class DilatedClock extends VirtualClock {
  constructor(readonly inner: VirtualClock, readonly factor: number) {
    super();
    if (!(factor > 0) || !Number.isFinite(factor)) throw new HypervisorError('BAD_DILATION', `time dilation ${factor} is not a positive number`);
  }

  override get now(): VirtualNs {
    return this.inner.now * this.factor;
  }

  /** Guest time at an underlying time (a core's local time, for example). */
  dilate(ns: VirtualNs): VirtualNs {
    return ns * this.factor;
  }

  override at(at: VirtualNs, fn: () => void): TimerHandle {
    const h = this.inner.at(at / this.factor, fn);
    return { at: h.at * this.factor, cancel: () => h.cancel() };
  }

  override after(delay: VirtualNs, fn: () => void): TimerHandle {
    return this.at(this.now + Math.max(0, delay), fn);
  }

  override nextEventTime(): VirtualNs {
    return this.inner.nextEventTime() * this.factor;
  }

  override advanceTo(): void {
    throw new HypervisorError('DILATED_CLOCK', 'a dilated clock follows the one beneath it; advance that one instead');
  }
}

/** TSC cycles at `hz` after `ns` guest nanoseconds, exact while the result fits a double. */
export function tscAt(ns: VirtualNs, hz: number): number {
  const q = Math.floor(ns / 1e9);
  const r = ns - q * 1e9;
  return q * hz + Math.floor((r * hz) / 1e9);
}
