// Port-I/O and MMIO buses. A device is registered over [base, base+length) and only ever sees the
// offset from its own base. Ports dispatch through a flat 64K table (one array index on the hot
// path); MMIO ranges are few and sorted, found by binary search.
import { MachineError } from './errors.js';

export type AccessSize = 1 | 2 | 4;

export interface PortDevice {
  readonly name: string;
  ioRead(offset: number, size: AccessSize): number;
  ioWrite(offset: number, size: AccessSize, value: number): void;
}

export interface MmioDevice {
  readonly name: string;
  mmioRead(offset: number, size: AccessSize): number;
  mmioWrite(offset: number, size: AccessSize, value: number): void;
}

interface Mapping<D> {
  base: number;
  length: number;
  device: D;
}

function checkRange(kind: string, base: number, length: number, limit: number, name: string): void {
  if (!Number.isInteger(base) || !Number.isInteger(length) || length <= 0 || base < 0 || base + length > limit) {
    throw new MachineError('BAD_RANGE', `${kind} range 0x${base.toString(16)}+${length} for ${name} is empty or out of bounds`);
  }
}

const ALL_ONES = [0, 0xff, 0xffff, 0, 0xffffffff];

export class PortBus {
  private readonly table = new Int32Array(65536).fill(-1);
  private readonly maps: Mapping<PortDevice>[] = [];

  register(base: number, length: number, device: PortDevice): void {
    checkRange('port', base, length, 65536, device.name);
    for (let p = base; p < base + length; p++) {
      const owner = this.table[p];
      if (owner >= 0) {
        const m = this.maps[owner];
        throw new MachineError('RANGE_OVERLAP', `port 0x${p.toString(16)} of ${device.name} is already taken by ${m.device.name} (0x${m.base.toString(16)}+${m.length})`);
      }
    }
    const idx = this.maps.length;
    this.maps.push({ base, length, device });
    this.table.fill(idx, base, base + length);
  }

  unregister(device: PortDevice): void {
    for (let i = 0; i < this.maps.length; i++) {
      const m = this.maps[i];
      if (m.device === device) this.table.fill(-1, m.base, m.base + m.length);
    }
  }

  /** Unclaimed ports read as all-ones, as on a PC. */
  read(port: number, size: AccessSize): number {
    const i = this.table[port & 0xffff];
    if (i < 0) return ALL_ONES[size];
    const m = this.maps[i];
    return m.device.ioRead(port - m.base, size);
  }

  write(port: number, size: AccessSize, value: number): void {
    const i = this.table[port & 0xffff];
    if (i < 0) return;
    const m = this.maps[i];
    m.device.ioWrite(port - m.base, size, value);
  }

  owner(port: number): PortDevice | undefined {
    const i = this.table[port & 0xffff];
    return i < 0 ? undefined : this.maps[i].device;
  }
}

export class MmioBus {
  private maps: Mapping<MmioDevice>[] = [];
  private last: Mapping<MmioDevice> | undefined;

  register(base: number, length: number, device: MmioDevice): void {
    checkRange('MMIO', base, length, 2 ** 52, device.name);
    for (const m of this.maps) {
      if (base < m.base + m.length && m.base < base + length) {
        throw new MachineError('RANGE_OVERLAP', `MMIO range 0x${base.toString(16)}+${length} of ${device.name} overlaps ${m.device.name} (0x${m.base.toString(16)}+${m.length})`);
      }
    }
    this.maps.push({ base, length, device });
    this.maps.sort((a, b) => a.base - b.base);
  }

  unregister(device: MmioDevice): void {
    this.maps = this.maps.filter((m) => m.device !== device);
    this.last = undefined;
  }

  private find(addr: number): Mapping<MmioDevice> | undefined {
    const l = this.last;
    if (l && addr >= l.base && addr < l.base + l.length) return l;
    let lo = 0, hi = this.maps.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.maps[mid];
      if (addr < m.base) hi = mid - 1;
      else if (addr >= m.base + m.length) lo = mid + 1;
      else { this.last = m; return m; }
    }
    return undefined;
  }

  /** Reads up to 8 bytes (8-byte accesses become two 4-byte ones); unclaimed addresses read all-ones. */
  read(addr: number, size: number): number {
    if (size === 8) return this.read(addr, 4) >>> 0;
    const m = this.find(addr);
    if (!m) return ALL_ONES[size] ?? 0xffffffff;
    return m.device.mmioRead(addr - m.base, size as AccessSize);
  }

  write(addr: number, size: number, value: number, valueHi = 0): void {
    if (size === 8) {
      this.write(addr, 4, value);
      this.write(addr + 4, 4, valueHi);
      return;
    }
    const m = this.find(addr);
    if (m) m.device.mmioWrite(addr - m.base, size as AccessSize, value);
  }

  has(addr: number): boolean {
    return this.find(addr) !== undefined;
  }
}
