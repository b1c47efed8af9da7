// The virtio 1.x PCI transport ("modern" virtio-pci, virtio 1.x section 4.1): a PCI function with
// vendor 0x1AF4, device 0x1040 + the virtio ID, and vendor capabilities that place the common,
// notify, ISR and device-specific structures in BAR 0; MSI-X (table and PBA also in BAR 0) with
// INTx (INTA#, deasserted by reading the ISR) when MSI-X is off. BAR 0 appears on the MMIO bus
// while the command register enables memory decoding.
//
// Device-side API, for a new device class (see virtio-blk/ and virtio-console/ for examples):
//   1. Implement VirtioDeviceModel (device.ts): the virtio ID, PCI class, queue sizes, feature bits,
//      the device configuration (readConfig/writeConfig), notify(queue), reset(), save/load.
//   2. In bind(t) keep the VirtioTransport `t`. When the driver notifies queue i (only after
//      DRIVER_OK), take requests with `t.queue(i).pop()` (a VirtqChain: readable then writable
//      guest buffers; chain.read()/chain.write()), return each with `t.queue(i).push(chain,
//      bytesWritten)`, then call `t.interrupt(i)` (it honours the driver's suppression). Work from
//      the host side (input arriving) does the same whenever `t.live`.
//   3. Wrap it: `new VirtioPci({ name, device, ram, mmio, msi, intx })`, add it to the PCI host
//      (`pci.add(slot, 0, transport)`) and list the transport with the VM's devices: its
//      saveState/loadState carry the device's state, queues, features, MSI-X and config space.
// A driver error in a ring (bad address, loop) marks the device DEVICE_NEEDS_RESET instead of
// stopping the VM, as the spec asks.
import type { AccessSize, IrqLine, MmioBus, MmioDevice } from '@serval/machine';
import { type Device, DeviceError, field } from '../device.js';
import { intField, numberArray } from '../ports.js';
import { PCI, type PciConfigSpace, type PciFunction } from '../pci/config-space.js';
import { VIRTIO_F, type VirtioDeviceModel, type VirtioTransport } from './device.js';
import { BAR0, CFG_CAP, MSIX_CAP, NOTIFY_MULTIPLIER, REGION, VIRTIO_PCI_DEVICE_BASE, VIRTIO_PCI_VENDOR, virtioConfigSpace } from './layout.js';
import { MsixTable } from './msix.js';
import { VirtQueue } from './queue.js';
import { Dma, type GuestRam, VirtioError } from './ram.js';

export const NO_VECTOR = 0xffff;
export const STATUS = { ACKNOWLEDGE: 1, DRIVER: 2, DRIVER_OK: 4, FEATURES_OK: 8, NEEDS_RESET: 0x40, FAILED: 0x80 } as const;
export { BAR0, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BASE };
const TRANSPORT_FEATURES = (1n << BigInt(VIRTIO_F.RING_INDIRECT_DESC)) | (1n << BigInt(VIRTIO_F.RING_EVENT_IDX)) | (1n << BigInt(VIRTIO_F.VERSION_1));

export interface VirtioPciOptions {
  name: string;
  device: VirtioDeviceModel;
  ram: GuestRam;
  /** The bus BAR 0 is mapped on once the driver programs it. */
  mmio: MmioBus;
  /** Sends an MSI (the APIC bus). */
  msi: (addr: number, data: number) => void;
  /** INTA#, where the platform routes it (none: MSI-X only). */
  intx?: IrqLine;
  /** The interrupt line firmware would report (informational). */
  irqLine?: number;
  log?: (msg: string) => void;
}

/** Common configuration registers (virtio 1.x 4.1.4.3), 64-bit addresses as two halves. */
const COMMON_FIELDS: [offset: number, size: number][] = [
  [0x00, 4], [0x04, 4], [0x08, 4], [0x0c, 4], [0x10, 2], [0x12, 2], [0x14, 1], [0x15, 1], [0x16, 2], [0x18, 2],
  [0x1a, 2], [0x1c, 2], [0x1e, 2], [0x20, 4], [0x24, 4], [0x28, 4], [0x2c, 4], [0x30, 4], [0x34, 4],
];
const COMMON_SIZE = 0x38;
const KINDS: Record<number, string> = { 1: 'virtio-net', 2: 'virtio-blk', 3: 'virtio-console' };

export class VirtioPci implements PciFunction, MmioDevice, Device, VirtioTransport {
  readonly kind: string;
  readonly name: string;
  readonly config: PciConfigSpace;
  readonly dma: Dma;
  readonly queues: VirtQueue[];
  readonly msix: MsixTable;
  readonly offered: bigint;
  readonly device: VirtioDeviceModel;
  deviceFeatureSelect = 0;
  driverFeatureSelect = 0;
  driverFeatures = 0n;
  status = 0;
  generation = 0;
  queueSelect = 0;
  configVector = NO_VECTOR;
  isr = 0;
  /** Where BAR 0 is mapped now (-1: not mapped). */
  private mapped = -1;
  private readonly mmio: MmioBus;
  private readonly msiSend: (addr: number, data: number) => void;
  private readonly intx: IrqLine | undefined;
  private readonly logFn: (msg: string) => void;

  constructor(o: VirtioPciOptions) {
    this.name = o.name;
    this.device = o.device;
    this.kind = KINDS[o.device.deviceId] ?? `virtio-${o.device.deviceId}`;
    this.mmio = o.mmio;
    this.msiSend = o.msi;
    this.intx = o.intx;
    this.logFn = o.log ?? (() => {});
    this.dma = new Dma(o.ram, o.name);
    const d = o.device;
    if (d.configSize > REGION) throw new DeviceError('BAD_DEVICE_OPTION', `${o.name}: device configuration of ${d.configSize} bytes exceeds ${REGION}`);
    if (d.queueSizes.length < 1 || d.queueSizes.length > REGION / NOTIFY_MULTIPLIER) throw new DeviceError('BAD_DEVICE_OPTION', `${o.name}: ${d.queueSizes.length} queues`);
    this.offered = (d.features & ~(0xffffn << 24n)) | TRANSPORT_FEATURES;
    this.queues = d.queueSizes.map((s, i) => new VirtQueue(i, s, this.dma, o.name));
    this.msix = new MsixTable(d.queueSizes.length + 1, (a, v) => this.msiSend(a, v), o.name);
    this.config = virtioConfigSpace(o.name, d, this.msix.vectors, o.irqLine ?? 0);
    this.config.onWrite = (off, size) => this.configWritten(off, size);
    d.bind(this);
  }

  // ------------------------------------------------------------------ PCI configuration space

  readConfig(offset: number, size: 1 | 2 | 4): number {
    if (offset >= CFG_CAP + 16 && offset < CFG_CAP + 20) {
      const w = this.cfgWindow();
      if (w) this.config.put(CFG_CAP + 16, 4, this.mmioRead(w.offset, w.size) >>> 0);
    }
    return this.config.readConfig(offset, size);
  }

  /** The access the PCI_CFG capability's window describes (BAR 0 only, 1, 2 or 4 bytes inside it). */
  private cfgWindow(): { offset: number; size: AccessSize } | undefined {
    const bar = this.config.get(CFG_CAP + 4, 1), offset = this.config.get(CFG_CAP + 8, 4), size = this.config.get(CFG_CAP + 12, 4);
    if (bar !== 0 || (size !== 1 && size !== 2 && size !== 4) || offset % size || offset + size > BAR0.SIZE) return undefined;
    return { offset, size };
  }
  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void { this.config.writeConfig(offset, size, value); }

  private configWritten(off: number, size: number): void {
    const hits = (at: number, len: number) => off < at + len && at < off + size;
    if (hits(CFG_CAP + 16, 4)) {
      const w = this.cfgWindow();
      if (w) this.mmioWrite(w.offset, w.size, Math.floor(this.config.get(CFG_CAP + 16, 4) % 2 ** (8 * w.size)));
    }
    if (hits(MSIX_CAP + 2, 2)) { this.msix.setControl(this.config.get(MSIX_CAP + 2, 2)); this.updateIntx(); }
    if (hits(PCI.COMMAND, 2)) this.updateIntx();
    if (hits(PCI.COMMAND, 2) || hits(PCI.BAR0, 4)) this.remap();
  }

  /** Maps BAR 0 where the driver put it while memory decoding is on. */
  private remap(): void {
    const want = (this.config.get(PCI.COMMAND, 2) & 2) && this.config.barAddress(0) !== 0 ? this.config.barAddress(0) : -1;
    if (want === this.mapped) return;
    if (this.mapped >= 0) this.mmio.unregister(this);
    this.mapped = -1;
    if (want < 0) return;
    try {
      this.mmio.register(want, BAR0.SIZE, this);
      this.mapped = want;
    } catch (e) {
      this.logFn(`${this.name}: BAR 0 at 0x${want.toString(16)} is not mapped: ${(e as Error).message}`);
    }
  }

  // ------------------------------------------------------------------ BAR 0

  mmioRead(offset: number, size: AccessSize): number {
    if (offset < BAR0.COMMON + COMMON_SIZE) return this.readCommon(offset, size);
    if (offset === BAR0.ISR) return this.readIsr();
    if (offset >= BAR0.DEVICE && offset < BAR0.DEVICE + REGION) {
      const o = offset - BAR0.DEVICE;
      return o < this.device.configSize ? this.device.readConfig(o, size) : 0;
    }
    if (offset >= BAR0.MSIX_TABLE && offset < BAR0.MSIX_TABLE + REGION) return this.msix.readTable(offset - BAR0.MSIX_TABLE, size);
    if (offset >= BAR0.MSIX_PBA && offset < BAR0.MSIX_PBA + REGION) return this.msix.readPba(offset - BAR0.MSIX_PBA, size);
    return 0;
  }

  mmioWrite(offset: number, size: AccessSize, value: number): void {
    if (offset < BAR0.COMMON + COMMON_SIZE) this.writeCommon(offset, size, value);
    else if (offset >= BAR0.NOTIFY && offset < BAR0.NOTIFY + REGION) this.kick((offset - BAR0.NOTIFY) / NOTIFY_MULTIPLIER);
    else if (offset >= BAR0.DEVICE && offset < BAR0.DEVICE + REGION) {
      const o = offset - BAR0.DEVICE;
      if (o < this.device.configSize) this.device.writeConfig(o, size, value);
    } else if (offset >= BAR0.MSIX_TABLE && offset < BAR0.MSIX_TABLE + REGION) this.msix.writeTable(offset - BAR0.MSIX_TABLE, size, value);
  }

  private readIsr(): number {
    const v = this.isr;
    this.isr = 0;
    this.updateIntx();
    return v;
  }

  private get selected(): VirtQueue | undefined { return this.queues[this.queueSelect]; }

  private commonField(off: number): number {
    const q = this.selected;
    const word = (v: bigint, sel: number) => (sel < 2 ? Number((v >> BigInt(32 * sel)) & 0xffffffffn) : 0);
    switch (off) {
      case 0x00: return this.deviceFeatureSelect;
      case 0x04: return word(this.offered, this.deviceFeatureSelect);
      case 0x08: return this.driverFeatureSelect;
      case 0x0c: return word(this.driverFeatures, this.driverFeatureSelect);
      case 0x10: return this.configVector;
      case 0x12: return this.queues.length;
      case 0x14: return this.status;
      case 0x15: return this.generation;
      case 0x16: return this.queueSelect;
      case 0x18: return q ? q.size : 0;
      case 0x1a: return q ? q.vector : NO_VECTOR;
      case 0x1c: return q?.ready ? 1 : 0;
      case 0x1e: return q ? q.index : 0;
      case 0x20: return q ? q.desc % 2 ** 32 : 0;
      case 0x24: return q ? Math.floor(q.desc / 2 ** 32) : 0;
      case 0x28: return q ? q.avail % 2 ** 32 : 0;
      case 0x2c: return q ? Math.floor(q.avail / 2 ** 32) : 0;
      case 0x30: return q ? q.used % 2 ** 32 : 0;
      case 0x34: return q ? Math.floor(q.used / 2 ** 32) : 0;
      default: return 0;
    }
  }

  private readCommon(offset: number, size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) {
      const f = COMMON_FIELDS.find(([o, s]) => offset + i >= o && offset + i < o + s);
      const b = f ? Math.floor(this.commonField(f[0]) / 2 ** (8 * (offset + i - f[0]))) & 0xff : 0;
      v += b * 2 ** (8 * i);
    }
    return v;
  }

  private writeCommon(offset: number, size: number, value: number): void {
    for (const [o, s] of COMMON_FIELDS) {
      if (offset >= o + s || o >= offset + size) continue;
      // Merge the written bytes into the field (a narrower write keeps the other bytes).
      let v = this.commonField(o);
      for (let i = 0; i < s; i++) {
        const at = o + i - offset;
        if (at < 0 || at >= size) continue;
        const b = Math.floor(value / 2 ** (8 * at)) & 0xff;
        v = v - (Math.floor(v / 2 ** (8 * i)) & 0xff) * 2 ** (8 * i) + b * 2 ** (8 * i);
      }
      this.setCommonField(o, v);
    }
  }

  private setCommonField(off: number, v: number): void {
    const q = this.selected;
    const setHalf = (key: 'desc' | 'avail' | 'used', hi: boolean) => {
      if (!q || q.ready) return;
      const cur = q[key];
      q[key] = hi ? (cur % 2 ** 32) + (v & 0x1fffff) * 2 ** 32 : Math.floor(cur / 2 ** 32) * 2 ** 32 + (v >>> 0);
    };
    switch (off) {
      case 0x00: this.deviceFeatureSelect = v >>> 0; break;
      case 0x08: this.driverFeatureSelect = v >>> 0; break;
      case 0x0c:
        if (this.driverFeatureSelect < 2 && !(this.status & STATUS.FEATURES_OK)) {
          const shift = BigInt(32 * this.driverFeatureSelect);
          this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << shift)) | (BigInt(v >>> 0) << shift);
        }
        break;
      case 0x10: this.configVector = v < this.msix.vectors ? v : NO_VECTOR; break;
      case 0x14: this.setStatus(v & 0xff); break;
      case 0x16: this.queueSelect = v & 0xffff; break;
      case 0x18: if (q && !q.ready && v >= 1 && v <= q.maxSize) q.size = v; break;
      case 0x1a: if (q) q.vector = v < this.msix.vectors ? v : NO_VECTOR; break;
      case 0x1c:
        if (q && v === 1 && !q.ready) {
          q.eventIdx = this.negotiated(VIRTIO_F.RING_EVENT_IDX);
          q.indirect = this.negotiated(VIRTIO_F.RING_INDIRECT_DESC);
          q.ready = true;
        }
        break;
      case 0x20: setHalf('desc', false); break;
      case 0x24: setHalf('desc', true); break;
      case 0x28: setHalf('avail', false); break;
      case 0x2c: setHalf('avail', true); break;
      case 0x30: setHalf('used', false); break;
      case 0x34: setHalf('used', true); break;
      default: break; // read-only
    }
  }

  private setStatus(v: number): void {
    if (v === 0) { this.reset(); return; }
    const was = this.status;
    if ((v & STATUS.FEATURES_OK) && !(was & STATUS.FEATURES_OK)) {
      const extra = this.driverFeatures & ~this.offered;
      if (extra || !this.negotiated(VIRTIO_F.VERSION_1)) {
        this.logFn(`${this.name}: refusing features 0x${this.driverFeatures.toString(16)} (offered 0x${this.offered.toString(16)})`);
        v &= ~STATUS.FEATURES_OK;
      }
    }
    this.status = (v & ~STATUS.NEEDS_RESET) | (was & STATUS.NEEDS_RESET);
    if ((v & STATUS.DRIVER_OK) && !(was & STATUS.DRIVER_OK)) {
      for (const q of this.queues) if (q.ready && q.pending() > 0) this.kick(q.index);
    }
  }

  private reset(): void {
    this.status = 0;
    this.deviceFeatureSelect = this.driverFeatureSelect = 0;
    this.driverFeatures = 0n;
    this.queueSelect = 0;
    this.configVector = NO_VECTOR;
    this.isr = 0;
    for (const q of this.queues) q.reset();
    this.updateIntx();
    this.device.reset();
  }

  private kick(index: number): void {
    if (!this.live || !this.queues[index]?.ready) return;
    try {
      this.device.notify(index);
    } catch (e) {
      if (!(e instanceof VirtioError)) throw e;
      this.logFn(`${e.message}; the device needs a reset`);
      this.status |= STATUS.NEEDS_RESET;
      this.configChanged();
    }
  }

  // ------------------------------------------------------------------ VirtioTransport

  queue(index: number): VirtQueue {
    const q = this.queues[index];
    if (!q) throw new DeviceError('NO_SUCH_QUEUE', `${this.name} has no queue ${index}`);
    return q;
  }

  negotiated(bit: number): boolean {
    return ((this.driverFeatures >> BigInt(bit)) & 1n) === 1n;
  }

  get live(): boolean {
    return (this.status & STATUS.DRIVER_OK) !== 0 && (this.status & (STATUS.NEEDS_RESET | STATUS.FAILED)) === 0;
  }

  interrupt(index: number): void {
    const q = this.queue(index);
    if (!q.needsInterrupt()) return;
    this.signal(q.vector, 1);
  }

  configChanged(): void {
    this.generation = (this.generation + 1) & 0xff;
    this.signal(this.configVector, 2);
  }

  private signal(vector: number, isrBit: number): void {
    if (this.msix.enabled) {
      if (vector !== NO_VECTOR) this.msix.fire(vector);
      return;
    }
    this.isr |= isrBit;
    this.updateIntx();
  }

  private updateIntx(): void {
    if (!this.intx) return;
    const disabled = (this.config.get(PCI.COMMAND, 2) & 0x400) !== 0;
    this.intx.set(this.isr !== 0 && !this.msix.enabled && !disabled);
  }

  log(msg: string): void {
    this.logFn(`${this.name}: ${msg}`);
  }

  flush(): void {
    this.device.flush?.();
  }

  dispose(): void {
    this.device.dispose?.();
  }

  // ------------------------------------------------------------------ checkpoints

  saveState(): unknown {
    return {
      config: [...this.config.bytes], deviceFeatureSelect: this.deviceFeatureSelect, driverFeatureSelect: this.driverFeatureSelect,
      driverFeatures: this.driverFeatures.toString(16), status: this.status, generation: this.generation, queueSelect: this.queueSelect,
      configVector: this.configVector, isr: this.isr, queues: this.queues.map((q) => q.saveState()), msix: this.msix.saveState(),
      device: this.device.saveState(),
    };
  }

  loadState(s: unknown): void {
    const n = this.name;
    const config = numberArray(s, 'config', 256, n);
    const features = field<string>(s, 'driverFeatures', 'string', n);
    if (!/^[0-9a-f]{1,16}$/.test(features)) throw new DeviceError('BAD_DEVICE_STATE', `${n}: saved driver features "${features}" are not hex`);
    const queues = (s as { queues?: unknown }).queues;
    if (!Array.isArray(queues) || queues.length !== this.queues.length) throw new DeviceError('BAD_DEVICE_STATE', `${n}: saved state has ${Array.isArray(queues) ? queues.length : 'no'} queues, the device ${this.queues.length}`);
    const regs = {
      deviceFeatureSelect: intField(s, 'deviceFeatureSelect', 0, 0xffffffff, n), driverFeatureSelect: intField(s, 'driverFeatureSelect', 0, 0xffffffff, n),
      status: intField(s, 'status', 0, 0xff, n), generation: intField(s, 'generation', 0, 0xff, n), queueSelect: intField(s, 'queueSelect', 0, 0xffff, n),
      configVector: intField(s, 'configVector', 0, 0xffff, n), isr: intField(s, 'isr', 0, 3, n),
    };
    // Everything that can refuse its state goes first, so a bad state changes nothing here.
    const dev = field<object>(s, 'device', 'object', n);
    const before = this.device.saveState();
    this.device.loadState(dev);
    try {
      const savedQueues = this.queues.map((q) => q.saveState());
      try {
        this.queues.forEach((q, i) => q.loadState(queues[i]));
        this.msix.loadState(field<object>(s, 'msix', 'object', n));
      } catch (e) {
        this.queues.forEach((q, i) => q.loadState(savedQueues[i]));
        throw e;
      }
    } catch (e) {
      this.device.loadState(before);
      throw e;
    }
    this.config.bytes.set(config);
    Object.assign(this, regs);
    this.driverFeatures = BigInt(`0x${features}`);
    this.remap();
    this.updateIntx();
  }
}
