// The POST diagnostic port (0x80). Firmware writes progress codes here, and Linux writes to it
// as an I/O delay, so writes only latch the value (and tell the host, if it asked).
//
// Reads: on most chipsets the port is a write-only latch on the LPC bus and a read returns the
// floating bus, 0xff; some boards read the last code back. The default is 0xff (as QEMU does);
// `readBack: true` models the other kind.
import type { AccessSize, PortDevice } from '@serval/machine';
import type { Device } from '../device.js';
import { intField } from '../ports.js';

export const POST_PORT = 0x80;

export interface PostPortOptions {
  name?: string;
  /** Called with every code written. */
  onPost?: (code: number) => void;
  /** Read the last written code back instead of 0xff. */
  readBack?: boolean;
}

export class PostPort implements PortDevice, Device {
  readonly kind = 'port80';
  readonly name: string;
  onPost: (code: number) => void;
  private readonly readBack: boolean;
  /** The last code written, if any. */
  last: number | undefined;

  constructor(opts: PostPortOptions = {}) {
    this.name = opts.name ?? 'post';
    this.onPost = opts.onPost ?? (() => {});
    this.readBack = opts.readBack ?? false;
  }

  ioRead(_offset: number, size: AccessSize): number {
    const ones = size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
    if (!this.readBack || this.last === undefined) return ones;
    // Only the latch's own byte reads back; the bytes above it float.
    return ((ones & ~0xff) | this.last) >>> 0;
  }

  ioWrite(_offset: number, _size: AccessSize, value: number): void {
    this.last = value & 0xff;
    this.onPost(this.last);
  }

  saveState(): unknown {
    return { last: this.last ?? -1 };
  }

  loadState(s: unknown): void {
    const v = intField(s, 'last', -1, 0xff, this.name);
    this.last = v < 0 ? undefined : v;
  }
}
