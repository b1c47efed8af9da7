import { IrqLine } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { PCI } from '../pci/config-space.js';
import { type VirtioDeviceModel, type VirtioTransport, VIRTIO_F } from './device.js';
import { BAR0, NO_VECTOR, STATUS, VirtioPci } from './pci.js';
import { needEvent } from './queue.js';
import { ALL_TRANSPORT, TEST_BAR, TestDriver } from './testing.js';

/** Queue 0 answers each request with its readable bytes reversed; the config is 8 bytes. */
class Echo implements VirtioDeviceModel {
  readonly deviceId = 0x2a;
  readonly classCode = 0xff0000;
  readonly queueSizes = [8];
  readonly features = 1n << 3n;
  readonly configSize = 8;
  t!: VirtioTransport;
  served = 0;
  cfg = [0x11223344, 0x55667788];
  bind(t: VirtioTransport): void { this.t = t; }
  readConfig(o: number, size: number): number { const v = this.cfg[o >> 2] >>> (8 * (o & 3)); return size === 4 ? v >>> 0 : v & (size === 2 ? 0xffff : 0xff); }
  writeConfig(): void {}
  notify(i: number): void {
    const q = this.t.queue(i);
    for (let c = q.pop(); c; c = q.pop()) {
      const out = c.read().reverse();
      q.push(c, c.write(out));
      this.served++;
    }
    this.t.interrupt(i);
  }
  reset(): void { this.served = 0; }
  saveState(): unknown { return { served: this.served }; }
  loadState(s: unknown): void { this.served = (s as { served: number }).served; }
}

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('virtio PCI transport', () => {
  it('presents a modern virtio function: IDs, capability chain, BAR 0 sizing and MSI-X', () => {
    const d = new TestDriver(new Echo());
    const c = d.t;
    expect(c.readConfig(0, 4)).toBe(((0x1040 + 0x2a) << 16 | 0x1af4) >>> 0);
    expect(c.readConfig(PCI.REVISION, 1)).toBe(1);
    expect(c.readConfig(PCI.STATUS, 2) & 0x10).toBe(0x10);
    const caps: number[][] = [];
    for (let p = c.readConfig(PCI.CAPABILITIES, 1); p; p = c.readConfig(p + 1, 1)) {
      const id = c.readConfig(p, 1);
      caps.push(id === 9 ? [id, c.readConfig(p + 3, 1), c.readConfig(p + 4, 1), c.readConfig(p + 8, 4), c.readConfig(p + 12, 4)] : [id, c.readConfig(p + 2, 2), c.readConfig(p + 4, 4), c.readConfig(p + 8, 4)]);
    }
    expect(caps).toEqual([
      [9, 1, 0, BAR0.COMMON, 0x1000], [9, 2, 0, BAR0.NOTIFY, 0x1000], [9, 3, 0, BAR0.ISR, 0x1000], [9, 4, 0, BAR0.DEVICE, 0x1000],
      [0x11, 1, BAR0.MSIX_TABLE, BAR0.MSIX_PBA], [9, 5, 0, 0, 0],
    ]);
    // The PCI_CFG window reaches BAR 0 without mapping it: the device configuration, then a status write.
    c.writeConfig(0x94, 1, 0);
    c.writeConfig(0x98, 4, BAR0.DEVICE + 4);
    c.writeConfig(0x9c, 4, 2);
    expect(c.readConfig(0xa0, 4)).toBe(0x7788);
    c.writeConfig(0x98, 4, 0x14);
    c.writeConfig(0x9c, 4, 1);
    c.writeConfig(0xa0, 4, 1);
    expect(c.status).toBe(1);
    c.writeConfig(PCI.BAR0, 4, 0xffffffff);
    expect(c.readConfig(PCI.BAR0, 4)).toBe(0x100000000 - BAR0.SIZE);
    // Not decoding yet: nothing answers at the BAR.
    c.writeConfig(PCI.BAR0, 4, TEST_BAR);
    expect(d.mmio.has(TEST_BAR)).toBe(false);
    c.writeConfig(PCI.COMMAND, 2, 2);
    expect(d.mmio.has(TEST_BAR + BAR0.DEVICE)).toBe(true);
    expect(d.r(BAR0.DEVICE + 4, 2)).toBe(0x7788);
    c.writeConfig(PCI.COMMAND, 2, 0);
    expect(d.mmio.has(TEST_BAR)).toBe(false);
  });

  it('negotiates: VERSION_1 is required and unknown features are refused', () => {
    const d = new TestDriver(new Echo());
    d.program();
    expect(d.offered()).toBe(ALL_TRANSPORT | (1n << 3n));
    const tryFeatures = (f: bigint) => {
      d.w(0x14, 1, 0);
      d.w(0x14, 1, STATUS.ACKNOWLEDGE | STATUS.DRIVER);
      d.w(0x08, 4, 0); d.w(0x0c, 4, Number(f & 0xffffffffn));
      d.w(0x08, 4, 1); d.w(0x0c, 4, Number(f >> 32n));
      d.w(0x14, 1, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK);
      return (d.r(0x14, 1) & STATUS.FEATURES_OK) !== 0;
    };
    expect(tryFeatures(1n << 3n)).toBe(false);
    expect(tryFeatures(ALL_TRANSPORT | (1n << 5n))).toBe(false);
    expect(tryFeatures(1n << 32n | 1n << 3n)).toBe(true);
    expect(d.t.negotiated(3)).toBe(true);
    expect(d.t.negotiated(VIRTIO_F.RING_EVENT_IDX)).toBe(false);
    // Queue registers: absent queues read size 0; the vector reads back, or NO_VECTOR when out of range.
    d.w(0x16, 2, 1);
    expect(d.r(0x18, 2)).toBe(0);
    d.w(0x16, 2, 0);
    expect(d.r(0x18, 2)).toBe(8);
    d.w(0x1a, 2, 1);
    expect(d.r(0x1a, 2)).toBe(1);
    d.w(0x1a, 2, 7);
    expect(d.r(0x1a, 2)).toBe(NO_VECTOR);
    // Reset clears the status and the features.
    d.w(0x14, 1, 0);
    expect(d.r(0x14, 1)).toBe(0);
    expect(d.t.driverFeatures).toBe(0n);
  });

  it('serves direct and indirect chains and interrupts through the queue\'s MSI-X vector', () => {
    const echo = new Echo();
    const d = new TestDriver(echo);
    d.init(ALL_TRANSPORT & ~(1n << BigInt(VIRTIO_F.RING_EVENT_IDX)));
    const a = d.post(0, [{ data: bytes(1, 2) }, { data: bytes(3) }, { writable: 2 }, { writable: 4 }]);
    expect(d.reap(0)).toEqual([{ id: a.head, len: 3 }]);
    expect([...d.bytes(a.addrs[2], 2), ...d.bytes(a.addrs[3], 1)]).toEqual([3, 2, 1]);
    expect(d.msis).toEqual([{ addr: 0xfee00000, data: 0x41 }]);
    const b = d.post(0, [{ data: bytes(9, 8, 7, 6) }, { writable: 4 }], { indirect: true });
    expect(d.reap(0)).toEqual([{ id: b.head, len: 4 }]);
    expect([...d.bytes(b.addrs[1], 4)]).toEqual([6, 7, 8, 9]);
    expect(d.msis.length).toBe(2);
    // VRING_AVAIL_F_NO_INTERRUPT: served, not interrupted.
    d.mem.writeU16(d.ring(0).avail, 1);
    d.post(0, [{ data: bytes(5) }, { writable: 1 }]);
    expect(d.reap(0).length).toBe(1);
    expect(d.msis.length).toBe(2);
    expect(echo.served).toBe(3);
  });

  it('event index: interrupts only when the used index passes used_event, and publishes avail_event', () => {
    const d = new TestDriver(new Echo());
    d.init();
    const ring = d.ring(0);
    // used_event = 1: the first completion (used 0→1) does not pass it, the second does.
    d.mem.writeU16(ring.avail + 4 + 2 * ring.size, 1);
    d.post(0, [{ data: bytes(1) }, { writable: 1 }]);
    expect(d.msis.length).toBe(0);
    expect(d.mem.readU16(ring.used + 4 + 8 * ring.size)).toBe(1);
    d.post(0, [{ data: bytes(1) }, { writable: 1 }]);
    expect(d.msis.length).toBe(1);
    expect(needEvent(0xffff, 0, 0xfffe)).toBe(true);
    expect(needEvent(5, 5, 4)).toBe(false);
  });

  it('requests made before DRIVER_OK wait for it', () => {
    const echo = new Echo();
    const d = new TestDriver(echo);
    d.program();
    d.w(0x14, 1, STATUS.ACKNOWLEDGE | STATUS.DRIVER);
    d.w(0x08, 4, 1); d.w(0x0c, 4, 1);
    d.w(0x14, 1, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK);
    d.setupQueue(0);
    d.post(0, [{ data: bytes(4) }, { writable: 1 }]);
    expect(echo.served).toBe(0);
    d.w(0x14, 1, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK);
    expect(echo.served).toBe(1);
  });

  it('INTx without MSI-X: ISR bit 0 raises INTA#, reading the ISR lowers it; config changes set bit 1', () => {
    const levels: boolean[] = [];
    const d0 = new TestDriver(new Echo());
    const intx = new IrqLine({ setIrqLevel: (_l, v) => levels.push(v) }, 16);
    const t = new VirtioPci({ name: 'intx', device: new Echo(), ram: d0.ram, mmio: d0.mmio, msi: () => { throw new Error('no MSI expected'); }, intx });
    Object.defineProperty(d0, 't', { value: t });
    d0.program(false);
    d0.w(0x14, 1, STATUS.ACKNOWLEDGE | STATUS.DRIVER);
    d0.w(0x08, 4, 1); d0.w(0x0c, 4, 1);
    d0.w(0x14, 1, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK);
    d0.setupQueue(0);
    d0.w(0x14, 1, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK);
    d0.post(0, [{ data: bytes(1) }, { writable: 1 }]);
    expect(intx.high).toBe(true);
    expect(d0.r(BAR0.ISR, 1)).toBe(1);
    expect(intx.high).toBe(false);
    expect(d0.r(BAR0.ISR, 1)).toBe(0);
    t.configChanged();
    expect(d0.r(BAR0.ISR, 1)).toBe(2);
    expect(levels).toEqual([true, false, true, false]);
  });

  it('a masked MSI-X vector stays pending (PBA) and fires when unmasked', () => {
    const d = new TestDriver(new Echo());
    d.init(1n << 32n);
    d.w(BAR0.MSIX_TABLE + 16 + 12, 4, 1);
    d.post(0, [{ data: bytes(1) }, { writable: 1 }]);
    expect(d.msis.length).toBe(0);
    expect(d.r(BAR0.MSIX_PBA, 4)).toBe(2);
    d.w(BAR0.MSIX_TABLE + 16 + 12, 4, 0);
    expect(d.msis).toEqual([{ addr: 0xfee00000, data: 0x41 }]);
    expect(d.r(BAR0.MSIX_PBA, 4)).toBe(0);
  });

  it('a broken ring marks the device DEVICE_NEEDS_RESET and interrupts on the config vector', () => {
    const d = new TestDriver(new Echo());
    d.init(1n << 32n);
    const ring = d.ring(0);
    d.mem.writeU16(ring.avail + 4, 0);
    d.mem.writeU64(ring.desc, 0x7fffffff0000); // outside RAM
    d.mem.writeU32(ring.desc + 8, 16);
    d.mem.writeU16(ring.desc + 12, 0);
    d.mem.writeU16(ring.avail + 2, 1);
    // The echo reads the buffer: the address is bad.
    d.kick(0);
    expect(d.r(0x14, 1) & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET);
    expect(d.msis).toEqual([{ addr: 0xfee00000, data: 0x40 }]);
    expect(d.t.live).toBe(false);
  });

  it('a restored transport is identical and carries on from the same ring positions', () => {
    const echo = new Echo();
    const d = new TestDriver(echo);
    d.init();
    d.post(0, [{ data: bytes(1, 2, 3) }, { writable: 3 }]);
    const saved = JSON.parse(JSON.stringify(d.t.saveState()));
    // A second VM: same memory contents, fresh device.
    const echo2 = new Echo();
    const d2 = new TestDriver(echo2);
    d2.mem.u8.set(d.mem.u8);
    d2.t.loadState(saved);
    expect(d2.t.saveState()).toEqual(d.t.saveState());
    expect(echo2.served).toBe(1);
    expect(d2.mmio.has(TEST_BAR)).toBe(true);
    // Both continue identically.
    const msisBefore = d.msis.length;
    (d2 as unknown as { rings: Map<number, unknown> }).rings = new Map([[0, { ...d.ring(0) }]]);
    d.post(0, [{ data: bytes(7, 8) }, { writable: 2 }]);
    d2.post(0, [{ data: bytes(7, 8) }, { writable: 2 }]);
    expect(d2.reap(0)).toEqual(d.reap(0));
    expect(d2.t.saveState()).toEqual(d.t.saveState());
    expect(d2.msis).toEqual(d.msis.slice(msisBefore));
    // A bad state changes nothing.
    const before = JSON.stringify(d2.t.saveState());
    expect(() => d2.t.loadState({ ...saved, queues: [] })).toThrow(/queues/);
    expect(() => d2.t.loadState({ ...saved, msix: { table: [], pending: [], control: 0 } })).toThrow();
    expect(JSON.stringify(d2.t.saveState())).toBe(before);
  });
});
