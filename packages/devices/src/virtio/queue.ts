// The virtio 1.x split virtqueue, device side: the driver's descriptor table and available ring,
// the device's used ring. `pop` takes the next request as a chain of guest buffers (readable ones
// first, then writable ones), following NEXT links and, when negotiated, one indirect table;
// `push` returns it with the number of bytes written; `needsInterrupt` applies the driver's
// suppression (VRING_AVAIL_F_NO_INTERRUPT, or used_event with VIRTIO_F_RING_EVENT_IDX).
import { DeviceError } from '../device.js';
import { intField } from '../ports.js';
import { Dma, VirtioError } from './ram.js';

const DESC = { NEXT: 1, WRITE: 2, INDIRECT: 4 } as const;
const AVAIL_F_NO_INTERRUPT = 1;

export interface VirtqBuffer {
  /** Guest-physical address. */
  readonly addr: number;
  readonly len: number;
}

/** One request: the head descriptor's index and its buffers in order. */
export class VirtqChain {
  constructor(readonly head: number, readonly readable: VirtqBuffer[], readonly writable: VirtqBuffer[], private readonly dma: Dma) {}

  get readableLength(): number { return this.readable.reduce((a, b) => a + b.len, 0); }
  get writableLength(): number { return this.writable.reduce((a, b) => a + b.len, 0); }

  /** `len` bytes of the readable buffers from `offset` (fewer at their end). */
  read(offset = 0, len = this.readableLength - offset): Uint8Array {
    const out = new Uint8Array(Math.max(0, Math.min(len, this.readableLength - offset)));
    let pos = 0, skip = offset;
    for (const b of this.readable) {
      if (pos >= out.length) break;
      if (skip >= b.len) { skip -= b.len; continue; }
      const n = Math.min(b.len - skip, out.length - pos);
      out.set(this.dma.view(b.addr + skip, n), pos);
      pos += n;
      skip = 0;
    }
    return out;
  }

  /** Writes `bytes` into the writable buffers from `offset`; returns how many fit. */
  write(bytes: Uint8Array, offset = 0): number {
    let pos = 0, skip = offset;
    for (const b of this.writable) {
      if (pos >= bytes.length) break;
      if (skip >= b.len) { skip -= b.len; continue; }
      const n = Math.min(b.len - skip, bytes.length - pos);
      this.dma.write(b.addr + skip, bytes.subarray(pos, pos + n));
      pos += n;
      skip = 0;
    }
    return pos;
  }
}

/** true when the driver asked for an interrupt once the used index passes `event` (virtio 2.7.10). */
export function needEvent(event: number, next: number, old: number): boolean {
  return ((next - event - 1) & 0xffff) < ((next - old) & 0xffff);
}

export class VirtQueue {
  /** Size the driver chose (at most `maxSize`, a power of two). */
  size: number;
  ready = false;
  desc = 0;
  avail = 0;
  used = 0;
  /** MSI-X vector for this queue (0xFFFF: none). */
  vector = 0xffff;
  /** Next available-ring entry the device will take. */
  lastAvail = 0;
  /** The used ring's index as the device last published it. */
  usedIdx = 0;
  /** usedIdx when the driver was last interrupted (event index suppression). */
  signalled = 0;
  /** Negotiated features the ring honours. */
  eventIdx = false;
  indirect = false;

  constructor(readonly index: number, readonly maxSize: number, private readonly dma: Dma, private readonly who: string) {
    if (maxSize < 1 || maxSize > 32768 || (maxSize & (maxSize - 1)) !== 0) throw new DeviceError('BAD_DEVICE_OPTION', `${who}: queue size ${maxSize} is not a power of two up to 32768`);
    this.size = maxSize;
  }

  reset(): void {
    this.size = this.maxSize;
    this.ready = false;
    this.desc = this.avail = this.used = 0;
    this.vector = 0xffff;
    this.lastAvail = this.usedIdx = this.signalled = 0;
  }

  private fail(msg: string): never {
    throw new VirtioError('BAD_VIRTQUEUE', `${this.who} queue ${this.index}: ${msg}`);
  }

  /** Requests the driver made available and the device has not taken. */
  pending(): number {
    if (!this.ready) return 0;
    return (this.dma.u16(this.avail + 2) - this.lastAvail) & 0xffff;
  }

  /** Takes the next available request, or undefined when there is none. */
  pop(): VirtqChain | undefined {
    const n = this.pending();
    if (n === 0) return undefined;
    if (n > this.size) this.fail(`the driver made ${n} buffers available in a ring of ${this.size}`);
    const head = this.dma.u16(this.avail + 4 + 2 * (this.lastAvail % this.size));
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    // With event index the driver notifies when it moves past avail_event: ask for every new one.
    if (this.eventIdx) this.dma.setU16(this.used + 4 + 8 * this.size, this.lastAvail);
    return this.walk(head);
  }

  private walk(head: number): VirtqChain {
    const readable: VirtqBuffer[] = [], writable: VirtqBuffer[] = [];
    let table = this.desc, count = this.size, i = head, seen = 0, indirect = false;
    for (;;) {
      if (i >= count) this.fail(`descriptor ${i} is outside its table of ${count}`);
      if (++seen > count) this.fail(`the descriptor chain from ${head} loops`);
      const d = table + 16 * i;
      const addr = this.dma.u64(d), len = this.dma.u32(d + 8), flags = this.dma.u16(d + 12), next = this.dma.u16(d + 14);
      if (flags & DESC.INDIRECT) {
        if (!this.indirect) this.fail('an indirect descriptor, but VIRTIO_F_RING_INDIRECT_DESC was not negotiated');
        if (indirect) this.fail('an indirect descriptor inside an indirect table');
        if (flags & DESC.NEXT) this.fail('an indirect descriptor with NEXT set');
        if (len === 0 || len % 16) this.fail(`an indirect table of ${len} bytes (not a multiple of 16)`);
        table = addr; count = len / 16; i = 0; seen = 0; indirect = true;
        continue;
      }
      if (flags & DESC.WRITE) writable.push({ addr, len });
      else if (writable.length) this.fail('a device-readable buffer after a device-writable one');
      else readable.push({ addr, len });
      if (!(flags & DESC.NEXT)) break;
      i = next;
    }
    return new VirtqChain(head, readable, writable, this.dma);
  }

  /** Returns a request to the driver with the number of bytes the device wrote into it. */
  push(chain: VirtqChain, written: number): void {
    const slot = this.used + 4 + 8 * (this.usedIdx % this.size);
    this.dma.setU32(slot, chain.head);
    this.dma.setU32(slot + 4, written);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    this.dma.setU16(this.used + 2, this.usedIdx);
  }

  /** Whether the driver wants an interrupt for what was pushed since the last one; records it as sent. */
  needsInterrupt(): boolean {
    const old = this.signalled;
    if (old === this.usedIdx) return false;
    this.signalled = this.usedIdx;
    if (this.eventIdx) return needEvent(this.dma.u16(this.avail + 4 + 2 * this.size), this.usedIdx, old);
    return (this.dma.u16(this.avail) & AVAIL_F_NO_INTERRUPT) === 0;
  }

  saveState(): unknown {
    return {
      size: this.size, ready: this.ready, desc: this.desc, avail: this.avail, used: this.used, vector: this.vector,
      lastAvail: this.lastAvail, usedIdx: this.usedIdx, signalled: this.signalled, eventIdx: this.eventIdx, indirect: this.indirect,
    };
  }

  loadState(s: unknown): void {
    const w = `${this.who} queue ${this.index}`;
    const size = intField(s, 'size', 1, this.maxSize, w);
    const addr = (k: string) => intField(s, k, 0, Number.MAX_SAFE_INTEGER, w);
    const flag = (k: string) => {
      const v = (s as Record<string, unknown>)[k];
      if (typeof v !== 'boolean') throw new DeviceError('BAD_DEVICE_STATE', `${w}: saved state field "${k}" is not a boolean`);
      return v;
    };
    const next = {
      size, ready: flag('ready'), desc: addr('desc'), avail: addr('avail'), used: addr('used'), vector: intField(s, 'vector', 0, 0xffff, w),
      lastAvail: intField(s, 'lastAvail', 0, 0xffff, w), usedIdx: intField(s, 'usedIdx', 0, 0xffff, w), signalled: intField(s, 'signalled', 0, 0xffff, w),
      eventIdx: flag('eventIdx'), indirect: flag('indirect'),
    };
    Object.assign(this, next);
  }
}
