// A small virtio driver for unit tests: it plays the guest's part (PCI BAR programming, feature
// negotiation, ring setup, posting buffer chains, reaping used entries) against a VirtioPci on its
// own memory and MMIO bus, counting the MSIs it receives. Device tests (block, console, net) use it.
import { MmioBus } from '@serval/machine';
import { PhysicalMemory } from '@serval/x86';
import { PCI } from '../pci/config-space.js';
import { VIRTIO_F, type VirtioDeviceModel } from './device.js';
import { BAR0, STATUS, VirtioPci } from './pci.js';
import type { GuestRam } from './ram.js';

export const TEST_BAR = 0xfe000000;
const MSI_ADDR = 0xfee00000;

export interface TestBuffer { data?: Uint8Array; writable?: number }

export class TestDriver {
  readonly ram: GuestRam;
  readonly mmio: MmioBus = new MmioBus();
  readonly msis: { addr: number; data: number }[] = [];
  readonly t: VirtioPci;
  private heap = 0x100000;
  /** Where the driver puts BAR 0. */
  bar = TEST_BAR;
  private readonly rings = new Map<number, { desc: number; avail: number; used: number; size: number; nextDesc: number; availIdx: number; usedSeen: number }>();

  /**
   * Drives a new transport for `device` on its own 16 MiB, or (`existing`) a transport already
   * attached somewhere, e.g. in a VM, with rings and buffers from `heap` on in its RAM.
   */
  constructor(device: VirtioDeviceModel | { transport: VirtioPci; ram: GuestRam; mmio: MmioBus; heap: number; bar?: number }, size = 16 * 1024 * 1024) {
    if ('transport' in device) {
      this.ram = device.ram;
      this.mmio = device.mmio;
      this.t = device.transport;
      this.heap = device.heap;
      this.bar = device.bar ?? TEST_BAR;
      return;
    }
    this.ram = { mem: new PhysicalMemory(size), hostBase: 0, size };
    this.t = new VirtioPci({ name: 'vtest', device, ram: this.ram, mmio: this.mmio, msi: (addr, data) => this.msis.push({ addr, data }) });
  }

  /** Takes over another driver's view of the rings (the same guest, restored elsewhere). */
  adoptRings(other: TestDriver): void {
    for (const [q, r] of other.rings) this.rings.set(q, { ...r });
    this.heap = other.heap;
  }

  get mem(): PhysicalMemory { return this.ram.mem; }
  r(off: number, size: 1 | 2 | 4 = 4): number { return this.mmio.read(this.bar + off, size); }
  w(off: number, size: 1 | 2 | 4, v: number): void { this.mmio.write(this.bar + off, size, v); }

  alloc(len: number, align = 16): number {
    const at = Math.ceil(this.heap / align) * align;
    this.heap = at + len;
    return at;
  }

  /** BAR 0 programmed and decoding, MSI-X on with vector i → vector number 0x40 + i. */
  program(msix = true): void {
    this.t.writeConfig(PCI.BAR0, 4, this.bar);
    this.t.writeConfig(PCI.COMMAND, 2, 0x6);
    if (!msix) return;
    for (let v = 0; v < this.t.msix.vectors; v++) {
      this.w(BAR0.MSIX_TABLE + 16 * v, 4, MSI_ADDR);
      this.w(BAR0.MSIX_TABLE + 16 * v + 8, 4, 0x40 + v);
      this.w(BAR0.MSIX_TABLE + 16 * v + 12, 4, 0);
    }
    this.t.writeConfig(0x86, 2, 0x8000);
  }

  /** The full initialization sequence (virtio 3.1.1) with `features` (default: everything offered). */
  init(features?: bigint, queueSize?: number): void {
    this.program();
    this.w(0x14, 1, 0);
    this.w(0x14, 1, STATUS.ACKNOWLEDGE | STATUS.DRIVER);
    const want = features ?? this.offered();
    this.w(0x08, 4, 0); this.w(0x0c, 4, Number(want & 0xffffffffn));
    this.w(0x08, 4, 1); this.w(0x0c, 4, Number(want >> 32n));
    this.w(0x14, 1, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK);
    if (!(this.r(0x14, 1) & STATUS.FEATURES_OK)) throw new Error('device refused the features');
    this.w(0x10, 2, 0);
    const n = this.r(0x12, 2);
    for (let q = 0; q < n; q++) this.setupQueue(q, queueSize);
    this.w(0x14, 1, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK);
  }

  offered(): bigint {
    this.w(0x00, 4, 0);
    const lo = this.r(0x04);
    this.w(0x00, 4, 1);
    return (BigInt(this.r(0x04) >>> 0) << 32n) | BigInt(lo >>> 0);
  }

  setupQueue(q: number, size?: number): void {
    this.w(0x16, 2, q);
    const s = size ?? this.r(0x18, 2);
    this.w(0x18, 2, s);
    const desc = this.alloc(16 * s), avail = this.alloc(6 + 2 * s, 2), used = this.alloc(6 + 8 * s, 4);
    this.w(0x20, 4, desc); this.w(0x24, 4, 0);
    this.w(0x28, 4, avail); this.w(0x2c, 4, 0);
    this.w(0x30, 4, used); this.w(0x34, 4, 0);
    this.w(0x1a, 2, q + 1);
    this.w(0x1c, 2, 1);
    this.rings.set(q, { desc, avail, used, size: s, nextDesc: 0, availIdx: 0, usedSeen: 0 });
  }

  /** Posts a chain (readable buffers then writable ones); returns the head and the buffers' addresses. */
  post(q: number, bufs: TestBuffer[], opts: { indirect?: boolean; kick?: boolean } = {}): { head: number; addrs: number[] } {
    const ring = this.rings.get(q)!;
    const addrs = bufs.map((b) => {
      const len = b.data ? b.data.length : b.writable!;
      const a = this.alloc(Math.max(len, 1));
      if (b.data) this.mem.write(this.ram.hostBase + a, b.data);
      return a;
    });
    const writeDesc = (table: number, i: number, addr: number, len: number, flags: number, next: number) => {
      this.mem.writeU64(this.ram.hostBase + table + 16 * i, addr);
      this.mem.writeU32(this.ram.hostBase + table + 16 * i + 8, len);
      this.mem.writeU16(this.ram.hostBase + table + 16 * i + 12, flags);
      this.mem.writeU16(this.ram.hostBase + table + 16 * i + 14, next);
    };
    const head = ring.nextDesc;
    if (opts.indirect) {
      const table = this.alloc(16 * bufs.length);
      bufs.forEach((b, i) => writeDesc(table, i, addrs[i], b.data ? b.data.length : b.writable!, (b.data ? 0 : 2) | (i < bufs.length - 1 ? 1 : 0), i + 1));
      writeDesc(ring.desc, head, table, 16 * bufs.length, 4, 0);
      ring.nextDesc = (ring.nextDesc + 1) % ring.size;
    } else {
      bufs.forEach((b, i) => {
        const idx = (head + i) % ring.size;
        writeDesc(ring.desc, idx, addrs[i], b.data ? b.data.length : b.writable!, (b.data ? 0 : 2) | (i < bufs.length - 1 ? 1 : 0), (idx + 1) % ring.size);
      });
      ring.nextDesc = (ring.nextDesc + bufs.length) % ring.size;
    }
    this.mem.writeU16(this.ram.hostBase + ring.avail + 4 + 2 * (ring.availIdx % ring.size), head);
    ring.availIdx = (ring.availIdx + 1) & 0xffff;
    this.mem.writeU16(this.ram.hostBase + ring.avail + 2, ring.availIdx);
    if (opts.kick !== false) this.kick(q);
    return { head, addrs };
  }

  kick(q: number): void {
    this.w(BAR0.NOTIFY + 4 * q, 2, q);
  }

  /** Used entries the driver has not seen yet. */
  reap(q: number): { id: number; len: number }[] {
    const ring = this.rings.get(q)!;
    const idx = this.mem.readU16(this.ram.hostBase + ring.used + 2);
    const out: { id: number; len: number }[] = [];
    while (ring.usedSeen !== idx) {
      const e = ring.used + 4 + 8 * (ring.usedSeen % ring.size);
      out.push({ id: this.mem.readU32(this.ram.hostBase + e), len: this.mem.readU32(this.ram.hostBase + e + 4) });
      ring.usedSeen = (ring.usedSeen + 1) & 0xffff;
    }
    return out;
  }

  ring(q: number) { return this.rings.get(q)!; }
  bytes(addr: number, len: number): Uint8Array { return this.mem.read(this.ram.hostBase + addr, len); }
}

export const ALL_TRANSPORT = (1n << BigInt(VIRTIO_F.VERSION_1)) | (1n << BigInt(VIRTIO_F.RING_EVENT_IDX)) | (1n << BigInt(VIRTIO_F.RING_INDIRECT_DESC));
