// virtio-blk (virtio 1.x section 5.2): one request queue; each request is a 16-byte header (type,
// sector), data buffers, and a status byte the device writes last. Requests are served as the
// driver notifies, synchronously, against a BlockBackend, so nothing is in flight between exits
// (a checkpoint needs no request state). Reads, writes, flush (reaches the backend's flush),
// GET_ID; anything else answers UNSUPP. A read-only disk offers VIRTIO_BLK_F_RO and fails writes.
import { ServalError } from '@serval/x86';
import { DeviceError } from '../device.js';
import { intField } from '../ports.js';
import { type VirtioDeviceModel, type VirtioTransport, VIRTIO_ID, readLe, writeLe } from '../virtio/device.js';
import type { VirtqChain } from '../virtio/queue.js';
import { VirtioError } from '../virtio/ram.js';
import type { BlockBackend } from './backend.js';

export const SECTOR = 512;
export const BLK_F = { SEG_MAX: 2, RO: 5, BLK_SIZE: 6, FLUSH: 9 } as const;
export const BLK_T = { IN: 0, OUT: 1, FLUSH: 4, GET_ID: 8 } as const;
export const BLK_S = { OK: 0, IOERR: 1, UNSUPP: 2 } as const;
/** Length of the GET_ID answer (VIRTIO_BLK_ID_BYTES). */
export const BLK_ID_BYTES = 20;
const QUEUE_SIZE = 256;

export interface VirtioBlkOptions {
  name: string;
  backend: BlockBackend;
  /** Refuse writes even if the backend allows them. */
  readonly?: boolean;
  /** The serial number GET_ID reports (at most 20 bytes; default the name). */
  serial?: string;
}

export class VirtioBlk implements VirtioDeviceModel {
  readonly deviceId = VIRTIO_ID.BLOCK;
  readonly classCode = 0x018000;
  readonly queueSizes = [QUEUE_SIZE];
  readonly features: bigint;
  readonly configSize = 0x24;
  readonly sectors: number;
  readonly readonly: boolean;
  readonly name: string;
  private readonly backend: BlockBackend;
  private readonly serial: Uint8Array;
  private readonly cfg = new Uint8Array(0x24);
  private t!: VirtioTransport;
  /** Requests served, by type (telemetry; part of the state so a restored device counts on). */
  counts = { read: 0, write: 0, flush: 0, other: 0 };

  constructor(o: VirtioBlkOptions) {
    this.name = o.name;
    this.backend = o.backend;
    this.readonly = o.readonly === true || o.backend.readonly;
    if (o.backend.size % SECTOR) throw new DeviceError('BAD_DISK_SIZE', `${o.name}: the disk is ${o.backend.size} bytes, not a whole number of ${SECTOR}-byte sectors`);
    this.sectors = o.backend.size / SECTOR;
    const serial = new TextEncoder().encode(o.serial ?? o.name);
    if (serial.length > BLK_ID_BYTES) throw new DeviceError('BAD_DEVICE_OPTION', `${o.name}: serial "${o.serial}" is longer than ${BLK_ID_BYTES} bytes`);
    this.serial = serial;
    let f = (1n << BigInt(BLK_F.SEG_MAX)) | (1n << BigInt(BLK_F.BLK_SIZE)) | (1n << BigInt(BLK_F.FLUSH));
    if (this.readonly) f |= 1n << BigInt(BLK_F.RO);
    this.features = f;
    writeLe(this.cfg, 0x00, 4, this.sectors % 2 ** 32);
    writeLe(this.cfg, 0x04, 4, Math.floor(this.sectors / 2 ** 32));
    writeLe(this.cfg, 0x0c, 4, QUEUE_SIZE - 2); // seg_max: the header and status take two descriptors
    writeLe(this.cfg, 0x14, 4, SECTOR); // blk_size
  }

  bind(t: VirtioTransport): void { this.t = t; }
  readConfig(offset: number, size: number): number { return readLe(this.cfg, offset, size); }
  writeConfig(): void {}
  reset(): void {}

  notify(index: number): void {
    const q = this.t.queue(index);
    for (let c = q.pop(); c; c = q.pop()) q.push(c, this.serve(c));
    this.t.interrupt(index);
  }

  /** Serves one request; returns the bytes written into the driver's buffers. */
  private serve(c: VirtqChain): number {
    const statusAt = c.writableLength - 1;
    if (statusAt < 0 || c.readableLength < 16) throw new VirtioError('BAD_BLK_REQUEST', `${this.name}: a request without its header or status byte`);
    const hdr = c.read(0, 16);
    const type = readLe(hdr, 0, 4), sector = readLe(hdr, 8, 4) + readLe(hdr, 12, 4) * 2 ** 32;
    let status: number = BLK_S.OK, written = 0;
    const inRange = (len: number) => len % SECTOR === 0 && sector + len / SECTOR <= this.sectors;
    try {
      switch (type) {
        case BLK_T.IN: {
          this.counts.read++;
          if (!inRange(statusAt)) { status = BLK_S.IOERR; break; }
          const buf = new Uint8Array(statusAt);
          this.backend.read(sector * SECTOR, buf);
          written = c.write(buf);
          break;
        }
        case BLK_T.OUT: {
          this.counts.write++;
          const len = c.readableLength - 16;
          if (this.readonly || !inRange(len)) { status = BLK_S.IOERR; break; }
          this.backend.write(sector * SECTOR, c.read(16, len));
          break;
        }
        case BLK_T.FLUSH:
          this.counts.flush++;
          this.backend.flush();
          break;
        case BLK_T.GET_ID: {
          this.counts.other++;
          const id = new Uint8Array(Math.min(BLK_ID_BYTES, statusAt));
          id.set(this.serial.subarray(0, id.length));
          written = c.write(id);
          break;
        }
        default:
          this.counts.other++;
          status = BLK_S.UNSUPP;
      }
    } catch (e) {
      if (!(e instanceof ServalError) || e instanceof VirtioError) throw e;
      this.t.log(`request type ${type} at sector ${sector} failed: ${(e as Error).message}`);
      status = BLK_S.IOERR;
    }
    c.write(Uint8Array.of(status), statusAt);
    return written + 1;
  }

  saveState(): unknown {
    return { sectors: this.sectors, counts: { ...this.counts } };
  }

  loadState(s: unknown): void {
    const sectors = intField(s, 'sectors', 0, Number.MAX_SAFE_INTEGER, this.name);
    if (sectors !== this.sectors) throw new DeviceError('BAD_DEVICE_STATE', `${this.name}: the checkpoint's disk had ${sectors} sectors, this one has ${this.sectors}`);
    const c = (s as { counts?: unknown }).counts;
    this.counts = {
      read: intField(c, 'read', 0, Number.MAX_SAFE_INTEGER, this.name), write: intField(c, 'write', 0, Number.MAX_SAFE_INTEGER, this.name),
      flush: intField(c, 'flush', 0, Number.MAX_SAFE_INTEGER, this.name), other: intField(c, 'other', 0, Number.MAX_SAFE_INTEGER, this.name),
    };
  }

  flush(): void {
    this.backend.flush();
  }

  dispose(): void {
    this.backend.close();
  }
}
