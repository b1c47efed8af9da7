// A one-port device a guest writes to end the run with a status: how test kernels report their
// result without a real power-off path. Writing value V stops the guest with exit status V & 0xff.
import type { AccessSize, PortDevice } from '@serval/machine';
import { type Device, field } from '../device.js';

export const DEBUG_EXIT_PORT = 0xf4;

export class DebugExit implements PortDevice, Device {
  readonly kind = 'debug-exit';
  /** The status written, once the guest has written one. */
  status: number | undefined;

  constructor(readonly name = 'debug-exit', private readonly onExit: (status: number) => void = () => {}) {}

  ioRead(_offset: number, _size: AccessSize): number {
    return 0xff;
  }

  ioWrite(_offset: number, _size: AccessSize, value: number): void {
    this.status = value & 0xff;
    this.onExit(this.status);
  }

  saveState(): unknown {
    return { status: this.status ?? -1 };
  }

  loadState(s: unknown): void {
    const v = field<number>(s, 'status', 'number', this.name);
    this.status = v < 0 ? undefined : v;
  }
}
