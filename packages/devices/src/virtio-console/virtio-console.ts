// virtio-console (virtio 1.x section 5.3) with one port and no optional features: the guest's
// hvc0. Queue 0 (receiveq) takes what the user types, queue 1 (transmitq) carries what the guest
// writes. Typed bytes wait in the device until the driver has posted receive buffers, and are part
// of its saved state.
import { numberArray } from '../ports.js';
import { type VirtioDeviceModel, type VirtioTransport, VIRTIO_ID, readLe } from '../virtio/device.js';

const RX = 0, TX = 1;
/** Bytes kept for a driver that is not reading (older ones are dropped, as a full line discipline would). */
const MAX_PENDING = 64 * 1024;

export interface VirtioConsoleOptions {
  name: string;
  /** Bytes the guest wrote. */
  output: (bytes: Uint8Array) => void;
}

export class VirtioConsole implements VirtioDeviceModel {
  readonly deviceId = VIRTIO_ID.CONSOLE;
  readonly classCode = 0x078000;
  readonly queueSizes = [64, 64];
  readonly features = 0n;
  /** cols, rows, max_nr_ports, emerg_wr: read as zero without the features that give them meaning. */
  readonly configSize = 12;
  readonly name: string;
  private pending: number[] = [];
  private readonly output: (bytes: Uint8Array) => void;
  private t!: VirtioTransport;

  constructor(o: VirtioConsoleOptions) {
    this.name = o.name;
    this.output = o.output;
  }

  bind(t: VirtioTransport): void { this.t = t; }
  readConfig(offset: number, size: number): number { return readLe(new Uint8Array(12), offset, size); }
  writeConfig(): void {}
  reset(): void {}

  /** Bytes the user typed. */
  input(bytes: Uint8Array): void {
    for (const b of bytes) this.pending.push(b);
    if (this.pending.length > MAX_PENDING) this.pending.splice(0, this.pending.length - MAX_PENDING);
    if (this.t.live) this.deliver();
  }

  private deliver(): void {
    const q = this.t.queue(RX);
    if (!q.ready) return;
    while (this.pending.length) {
      const c = q.pop();
      if (!c) break;
      const n = c.write(Uint8Array.from(this.pending.slice(0, c.writableLength)));
      this.pending.splice(0, n);
      q.push(c, n);
    }
    this.t.interrupt(RX);
  }

  notify(index: number): void {
    if (index === RX) { this.deliver(); return; }
    if (index !== TX) return;
    const q = this.t.queue(TX);
    for (let c = q.pop(); c; c = q.pop()) {
      const bytes = c.read();
      if (bytes.length) this.output(bytes);
      q.push(c, 0);
    }
    this.t.interrupt(TX);
  }

  saveState(): unknown {
    return { pending: [...this.pending] };
  }

  loadState(s: unknown): void {
    const p = numberArray(s, 'pending', undefined, this.name);
    this.pending = p.map((b) => b & 0xff);
  }
}
