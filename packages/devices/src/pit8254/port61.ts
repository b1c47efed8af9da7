// System control port B (0x61): the PC glue around PIT channel 2 and the speaker. Bit 0 drives
// channel 2's gate, bit 1 enables the speaker, bits 2-3 are the parity/IOCHK enables; reads add
// the refresh toggle (bit 4) and channel 2's OUT (bit 5). Linux calibrates the TSC by polling
// bit 5 thousands of times, so a read is a tick computation and a few comparisons.
import type { AccessSize, PortDevice } from '@serval/machine';
import { type Device } from '../device.js';
import { intField } from '../ports.js';
import type { Pit8254 } from './pit.js';

export const PORT61 = 0x61;
/** PIT pulses per refresh-request toggle: 18 pulses = 15.09 us, as the AT's refresh timer. */
const REFRESH_TICKS = 18;

export class SystemControlPort implements PortDevice, Device {
  readonly kind = 'port61';
  private bits = 0;

  constructor(private readonly pit: Pit8254, readonly name = 'port61') {}

  ioRead(_offset: number, _size: AccessSize): number {
    const tk = this.pit.tick();
    // The refresh bit is a free-running 15 us toggle: chipsets keep it whatever channel 1 does.
    const refresh = Math.floor(tk / REFRESH_TICKS) & 1 ? 0x10 : 0;
    return this.bits | refresh | (this.pit.channels[2].out(tk) ? 0x20 : 0);
  }

  ioWrite(_offset: number, _size: AccessSize, value: number): void {
    // Bits 4-7 are status on reads; writes to them (NMI latch clears) have nothing to clear here.
    this.bits = value & 0x0f;
    this.pit.setGate(2, (value & 1) !== 0);
  }

  /** Channel 2's gate and the speaker enable are both on: the speaker sounds channel 2's OUT. */
  get speakerOn(): boolean {
    return (this.bits & 3) === 3;
  }

  saveState(): unknown {
    return { bits: this.bits };
  }

  loadState(s: unknown): void {
    // The gate itself is channel 2 state, restored by the PIT.
    this.bits = intField(s, 'bits', 0, 0x0f, this.name);
  }
}
