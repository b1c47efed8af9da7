// A VM's view of the host's virtual clock. A VM saved at guest time T and restored when the host's
// clock reads T' must see time continue from T, or its timers, counters and TSC would jump by
// T' - T. The guest clock is the host clock minus an offset that a restore sets; events are still
// kept (and fired) by the host clock, so the node's scheduling is unchanged.
import { type TimerHandle, VirtualClock, type VirtualNs } from '@serval/machine';
import { CheckpointError } from './errors.js';

export class GuestClock extends VirtualClock {
  /** Host time minus guest time (0 until the VM is restored later than it was saved). */
  private offset = 0;

  constructor(readonly host: VirtualClock) {
    super();
  }

  override get now(): VirtualNs {
    return this.host.now - this.offset;
  }

  /** Guest time at host time `hostNs` (a core's local time, for example). */
  fromHost(hostNs: VirtualNs): VirtualNs {
    return hostNs - this.offset;
  }

  override at(at: VirtualNs, fn: () => void): TimerHandle {
    const off = this.offset;
    const h = this.host.at(at + off, fn);
    return { at: h.at - off, cancel: () => h.cancel() };
  }

  override after(delay: VirtualNs, fn: () => void): TimerHandle {
    return this.at(this.now + Math.max(0, delay), fn);
  }

  override nextEventTime(): VirtualNs {
    return this.host.nextEventTime() - this.offset;
  }

  override advanceTo(): void {
    throw new CheckpointError('GUEST_CLOCK', 'a VM\'s clock follows its host\'s; advance the host clock instead');
  }

  /**
   * Makes guest time read `guestNs` from now on. Offsets are whole nanoseconds, so event times
   * (whole nanoseconds) and device counters derived from them convert without rounding.
   */
  resumeAt(guestNs: VirtualNs): void {
    const off = this.host.now - guestNs;
    if (off < 0) {
      // The host has not reached the saved time yet (a fresh host): move it there, so the guest
      // resumes with no offset at all.
      this.host.advanceTo(guestNs);
      this.offset = 0;
      return;
    }
    const whole = Math.ceil(off);
    if (whole !== off) this.host.advanceTo(guestNs + whole);
    this.offset = whole;
  }

  get hostOffset(): number {
    return this.offset;
  }
}
