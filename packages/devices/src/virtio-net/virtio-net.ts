// virtio-net (virtio 1.x section 5.1): one receive queue (0) and one transmit queue (1), the MAC
// address and link status in the device configuration, and nothing else — no offloads, no control
// queue, no mergeable receive buffers, so every packet travels with a zeroed header and whole in
// one buffer chain. Frames go to and come from a `NetLink` (the host network port); frames that
// arrive while the driver has no receive buffers wait in a short queue (dropped beyond it, as a
// full NIC ring drops), and that queue is part of the saved state.
import { DeviceError } from '../device.js';
import { numberArray } from '../ports.js';
import { type VirtioDeviceModel, type VirtioTransport, VIRTIO_F, VIRTIO_ID, readLe } from '../virtio/device.js';
import { VirtioError } from '../virtio/ram.js';

/** Device feature bits (virtio 1.x 5.1.3). */
export const VIRTIO_NET_F = { MAC: 5, STATUS: 16 } as const;
/** Status field bit: the link is up. */
export const VIRTIO_NET_S_LINK_UP = 1;
/** The header before every packet: 12 bytes with VERSION_1 (num_buffers included), 10 for legacy drivers. */
export const NET_HDR_LEN = 12;
export const NET_HDR_LEN_LEGACY = 10;
const RX = 0, TX = 1;
/** Frames held for a driver with no receive buffers. */
export const RX_BACKLOG = 64;
/** What a NIC carries: 1514-byte Ethernet frames (plus a VLAN tag) without the FCS. */
const MAX_FRAME = 1518;

/** The network side: the host port frames go out of and come in from. */
export interface NetLink {
  send(frame: Uint8Array): void;
  onReceive(fn: (frame: Uint8Array) => void): void;
}

export interface VirtioNetOptions {
  name: string;
  /** Six bytes. */
  mac: Uint8Array;
  link: NetLink;
}

export interface VirtioNetStats {
  txFrames: number;
  rxFrames: number;
  rxDropped: number;
}

/** Parses "52:54:00:12:34:56" (or with dashes). */
export function parseMac(text: string): Uint8Array {
  const m = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(text.trim());
  if (!m) throw new DeviceError('BAD_MAC', `"${text}" is not a MAC address (six hex bytes, e.g. 52:54:00:12:34:56)`);
  const mac = Uint8Array.from(m.slice(1).map((h) => parseInt(h, 16)));
  if (mac[0] & 1) throw new DeviceError('BAD_MAC', `${text} is a multicast address; a NIC needs a unicast one (first byte even)`);
  return mac;
}

export function formatMac(mac: Uint8Array): string {
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export class VirtioNet implements VirtioDeviceModel {
  readonly deviceId = VIRTIO_ID.NET;
  /** Network controller, Ethernet. */
  readonly classCode = 0x020000;
  readonly queueSizes = [256, 256] as const;
  readonly features = (1n << BigInt(VIRTIO_NET_F.MAC)) | (1n << BigInt(VIRTIO_NET_F.STATUS));
  /** mac[6], status, max_virtqueue_pairs (present only for MQ, but harmless to read). */
  readonly configSize = 10;
  readonly name: string;
  readonly stats: VirtioNetStats = { txFrames: 0, rxFrames: 0, rxDropped: 0 };
  private readonly mac: Uint8Array;
  private readonly link: NetLink;
  private t: VirtioTransport | undefined;
  /** Frames that arrived while the driver had no receive buffer free. */
  private backlog: Uint8Array[] = [];

  constructor(o: VirtioNetOptions) {
    if (o.mac.length !== 6) throw new DeviceError('BAD_MAC', `${o.name}: a MAC address has 6 bytes, not ${o.mac.length}`);
    this.name = o.name;
    this.mac = o.mac.slice();
    this.link = o.link;
    this.link.onReceive((f) => this.receive(f));
  }

  get macAddress(): string { return formatMac(this.mac); }

  bind(t: VirtioTransport): void {
    this.t = t;
  }

  private config(): Uint8Array {
    const c = new Uint8Array(this.configSize);
    c.set(this.mac, 0);
    c[6] = VIRTIO_NET_S_LINK_UP;
    c[8] = 1;
    return c;
  }

  readConfig(offset: number, size: number): number {
    return readLe(this.config(), offset, size);
  }

  /** The MAC is read-only in virtio 1.x (drivers set it through the control queue, not offered). */
  writeConfig(): void {}

  private get hdrLen(): number {
    return this.t?.negotiated(VIRTIO_F.VERSION_1) ? NET_HDR_LEN : NET_HDR_LEN_LEGACY;
  }

  notify(index: number): void {
    if (index === TX) this.transmit();
    else if (index === RX) this.fill();
  }

  private transmit(): void {
    const t = this.t!;
    const q = t.queue(TX);
    for (let chain = q.pop(); chain; chain = q.pop()) {
      const frame = chain.read(this.hdrLen);
      q.push(chain, 0);
      if (frame.length >= 14 && frame.length <= MAX_FRAME) {
        this.stats.txFrames++;
        this.link.send(frame);
      }
    }
    t.interrupt(TX);
  }

  private receive(frame: Uint8Array): void {
    if (!this.t?.live) { this.stats.rxDropped++; return; }
    if (this.backlog.length >= RX_BACKLOG) { this.stats.rxDropped++; return; }
    this.backlog.push(frame);
    try {
      this.fill();
    } catch (e) {
      // A ring the driver broke: the frame is lost; the driver finds out on its next notify.
      if (!(e instanceof VirtioError)) throw e;
      this.t.log(`receive: ${e.message}`);
      this.backlog = [];
    }
  }

  /** Moves waiting frames into the driver's receive buffers. */
  private fill(): void {
    const t = this.t!;
    if (!this.backlog.length || !t.live) return;
    const q = t.queue(RX);
    const hdr = new Uint8Array(this.hdrLen);
    // num_buffers: one buffer chain per packet without VIRTIO_NET_F_MRG_RXBUF.
    if (hdr.length === NET_HDR_LEN) hdr[10] = 1;
    let used = false;
    while (this.backlog.length) {
      const chain = q.pop();
      if (!chain) break;
      const frame = this.backlog.shift()!;
      if (chain.writableLength < hdr.length + frame.length) {
        // Buffers too small for the frame: give the buffer back empty rather than a cut packet.
        q.push(chain, 0);
        this.stats.rxDropped++;
      } else {
        chain.write(hdr, 0);
        chain.write(frame, hdr.length);
        q.push(chain, hdr.length + frame.length);
        this.stats.rxFrames++;
      }
      used = true;
    }
    if (used) t.interrupt(RX);
  }

  reset(): void {
    this.backlog = [];
  }

  saveState(): unknown {
    return { mac: [...this.mac], backlog: this.backlog.map((f) => [...f]) };
  }

  loadState(s: unknown): void {
    const mac = numberArray(s, 'mac', 6, this.name);
    if (mac.some((b, i) => b !== this.mac[i])) throw new DeviceError('BAD_DEVICE_STATE', `${this.name}: saved MAC ${formatMac(Uint8Array.from(mac))} is not this device's ${this.macAddress}`);
    const raw = (s as { backlog?: unknown }).backlog;
    if (!Array.isArray(raw) || raw.length > RX_BACKLOG) throw new DeviceError('BAD_DEVICE_STATE', `${this.name}: saved receive backlog is missing or longer than ${RX_BACKLOG}`);
    const backlog = raw.map((_, i) => {
      const f = numberArray(raw, String(i), undefined, this.name);
      if (f.length > MAX_FRAME || !f.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) throw new DeviceError('BAD_DEVICE_STATE', `${this.name}: saved frame ${i} is not a frame`);
      return Uint8Array.from(f);
    });
    this.backlog = backlog;
  }
}

/** A locally administered unicast MAC derived from a name (stable across runs): 52:54:00:xx:xx:xx. */
export function macFromName(name: string): Uint8Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return Uint8Array.of(0x52, 0x54, 0x00, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
}
