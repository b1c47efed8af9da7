// The PCI host bridge's configuration mechanism #1: ports 0xCF8 (CONFIG_ADDRESS, 32-bit: enable,
// bus, device, function, register) and 0xCFC-0xCFF (CONFIG_DATA, any width at any byte), plus the
// chipset's reset control register at 0xCF9 (byte accesses), which Linux's reboot=pci uses. The
// host bridge itself is function 00:00.0. Functions are added by bus/device/function; reads of
// absent functions return all ones, which is how the guest's scan finds nothing there.
import type { AccessSize, PortDevice } from '@serval/machine';
import { type Device, DeviceError, field } from '../device.js';
import { intField, numberArray } from '../ports.js';
import { PciConfigSpace, type PciFunction } from './config-space.js';

export const PCI_CONFIG_PORT = 0xcf8;
/** 0xCF8-0xCFF. */
export const PCI_CONFIG_PORTS = 8;
/** The host bridge's IDs: Red Hat's "QEMU PCIe host bridge", which no Linux quirk matches. */
export const HOST_BRIDGE_ID = { vendor: 0x1b36, device: 0x0008, classCode: 0x060000 } as const;

export interface PciHostOptions {
  name?: string;
  /** Reset control (0xCF9) asked for a system reset. */
  onReset?: () => void;
}

const bdf = (bus: number, dev: number, fn: number) => (bus << 8) | (dev << 3) | fn;
const fmt = (key: number) => `${(key >> 8).toString(16).padStart(2, '0')}:${((key >> 3) & 31).toString(16).padStart(2, '0')}.${key & 7}`;

export class PciHost implements PortDevice, Device {
  readonly kind = 'pci';
  readonly name: string;
  address = 0;
  resetControl = 0;
  readonly hostBridge: PciConfigSpace;
  private readonly functions = new Map<number, PciFunction>();
  private readonly onReset: () => void;

  constructor(opts: PciHostOptions = {}) {
    this.name = opts.name ?? 'pci';
    this.onReset = opts.onReset ?? (() => {});
    this.hostBridge = new PciConfigSpace(`${this.name}-host-bridge`, HOST_BRIDGE_ID);
    this.add(0, 0, this.hostBridge);
  }

  /** Adds a function at bus 0, `device` (0-31), `fn` (0-7). */
  add(device: number, fn: number, f: PciFunction): void {
    if (!Number.isInteger(device) || device < 0 || device > 31 || !Number.isInteger(fn) || fn < 0 || fn > 7) {
      throw new DeviceError('BAD_PCI_ADDRESS', `${f.name}: PCI device ${device} function ${fn} is out of range (0-31, 0-7)`);
    }
    const key = bdf(0, device, fn);
    const old = this.functions.get(key);
    if (old) throw new DeviceError('PCI_SLOT_TAKEN', `${f.name}: PCI ${fmt(key)} is already taken by ${old.name}`);
    this.functions.set(key, f);
  }

  /** The lowest device number with no function 0 yet (where the next device goes). */
  freeSlot(): number {
    for (let d = 0; d < 32; d++) if (!this.functions.has(bdf(0, d, 0))) return d;
    throw new DeviceError('PCI_BUS_FULL', `${this.name}: all 32 device numbers on bus 0 are taken`);
  }

  function(device: number, fn = 0): PciFunction | undefined {
    return this.functions.get(bdf(0, device, fn));
  }

  private target(): PciFunction | undefined {
    if (!(this.address & 0x80000000)) return undefined;
    return this.functions.get((this.address >> 8) & 0xffff);
  }

  ioRead(offset: number, size: AccessSize): number {
    if (offset === 0 && size === 4) return this.address >>> 0;
    if (offset === 1 && size === 1) return this.resetControl;
    if (offset < 4) return 2 ** (8 * size) - 1;
    const f = this.target();
    const reg = (this.address & 0xfc) + (offset - 4);
    return f ? f.readConfig(reg, size) : 2 ** (8 * size) - 1;
  }

  ioWrite(offset: number, size: AccessSize, value: number): void {
    if (offset === 0 && size === 4) { this.address = (value & 0x80fffffc) >>> 0; return; }
    if (offset === 1 && size === 1) {
      // Bit 2 going to 1 starts the reset bit 1 chooses (hard or soft: the same here).
      const was = this.resetControl;
      this.resetControl = value & 0x0a;
      if ((value & 4) && !(was & 4)) this.onReset();
      return;
    }
    if (offset < 4) return;
    const f = this.target();
    if (f) f.writeConfig((this.address & 0xfc) + (offset - 4), size, value >>> 0);
  }

  saveState(): unknown {
    const functions: Record<string, number[]> = {};
    for (const [k, f] of this.functions) if (f instanceof PciConfigSpace) functions[fmt(k)] = [...f.bytes];
    return { address: this.address, resetControl: this.resetControl, functions };
  }

  loadState(s: unknown): void {
    const n = this.name;
    const address = intField(s, 'address', 0, 0xffffffff, n);
    const resetControl = intField(s, 'resetControl', 0, 0xff, n);
    const saved = field<Record<string, unknown>>(s, 'functions', 'object', n);
    const restore: [PciConfigSpace, number[]][] = [];
    for (const [k, f] of this.functions) {
      if (!(f instanceof PciConfigSpace)) continue;
      const bytes = numberArray(saved, fmt(k), 256, n);
      if (!bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) throw new DeviceError('BAD_DEVICE_STATE', `${n}: configuration space of ${fmt(k)} holds a value that is not a byte`);
      restore.push([f, bytes]);
    }
    this.address = address;
    this.resetControl = resetControl;
    for (const [f, b] of restore) f.bytes.set(b);
  }
}
