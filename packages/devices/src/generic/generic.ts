// A stand-in for hardware that is not modelled: claims a port range so accesses neither fault
// nor hit something else, and either ignores them (reads float to all-ones), prints each one,
// or forwards it to a host callback (a passthrough, a probe, a test hook).
import type { AccessSize, PortDevice } from '@serval/machine';
import { type Device, DeviceError } from '../device.js';
import type { PortRange } from '../ports.js';

export type GenericPortMode = 'ignore' | 'print' | 'forward';

export interface PortAccess {
  /** Absolute port number (base + offset). */
  port: number;
  offset: number;
  size: AccessSize;
  write: boolean;
  /** The value written (0 for reads). */
  value: number;
}

export interface GenericPortsOptions {
  name?: string;
  base: number;
  length: number;
  mode?: GenericPortMode;
  /** Where 'print' mode writes its lines (default console.log). */
  print?: (line: string) => void;
  /** 'forward' mode: the access; a read's result is the number returned (all-ones if none). */
  forward?: (access: PortAccess) => number | void;
}

const ONES = { 1: 0xff, 2: 0xffff, 4: 0xffffffff } as const;

export class GenericPorts implements PortDevice, Device {
  readonly kind = 'generic-ports';
  readonly name: string;
  readonly base: number;
  readonly length: number;
  readonly mode: GenericPortMode;
  private readonly print: (line: string) => void;
  private readonly forward: ((access: PortAccess) => number | void) | undefined;

  constructor(opts: GenericPortsOptions) {
    this.name = opts.name ?? `ports-${opts.base.toString(16)}`;
    this.base = opts.base;
    this.length = opts.length;
    this.mode = opts.mode ?? 'ignore';
    this.print = opts.print ?? ((line) => console.log(line));
    this.forward = opts.forward;
    if (this.mode === 'forward' && !this.forward) throw new DeviceError('BAD_DEVICE_CONFIG', `${this.name}: mode 'forward' needs a forward callback`);
  }

  portRanges(): PortRange[] {
    return [{ base: this.base, length: this.length, device: this }];
  }

  ioRead(offset: number, size: AccessSize): number {
    const access = { port: this.base + offset, offset, size, write: false, value: 0 };
    let v: number = ONES[size];
    if (this.mode === 'forward') {
      const r = this.forward!(access);
      if (typeof r === 'number') v = size === 4 ? r >>> 0 : r & ONES[size];
    }
    if (this.mode === 'print') this.print(`${this.name}: in${size === 1 ? 'b' : size === 2 ? 'w' : 'l'} ${hex(access.port, 4)} -> ${hex(v, size * 2)}`);
    return v;
  }

  ioWrite(offset: number, size: AccessSize, value: number): void {
    const v = size === 4 ? value >>> 0 : value & ONES[size];
    const access = { port: this.base + offset, offset, size, write: true, value: v };
    if (this.mode === 'forward') this.forward!(access);
    else if (this.mode === 'print') this.print(`${this.name}: out${size === 1 ? 'b' : size === 2 ? 'w' : 'l'} ${hex(access.port, 4)} <- ${hex(v, size * 2)}`);
  }

  /** Nothing guest-visible lives here; the mode and callbacks are configuration. */
  saveState(): unknown {
    return {};
  }

  loadState(s: unknown): void {
    if (typeof s !== 'object' || s === null) throw new DeviceError('BAD_DEVICE_STATE', `${this.name}: saved state is not an object`);
  }
}

function hex(v: number, digits: number): string {
  return `0x${v.toString(16).padStart(digits, '0')}`;
}
