import { describe, expect, it } from 'vitest';
import { ALL_TRANSPORT, TestDriver } from '../virtio/testing.js';
import { VIRTIO_BAR0 } from '../index.js';
import { MemoryBackend } from './backend.js';
import { BLK_F, BLK_S, BLK_T, SECTOR, VirtioBlk } from './virtio-blk.js';

function header(type: number, sector: number): Uint8Array {
  const h = new Uint8Array(16);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(8, sector % 2 ** 32, true);
  dv.setUint32(12, Math.floor(sector / 2 ** 32), true);
  return h;
}

function rig(sectors = 64, readonly = false) {
  const disk = new MemoryBackend(new Uint8Array(sectors * SECTOR), readonly);
  disk.bytes.forEach((_, i) => { disk.bytes[i] = (i * 7 + (i >> 9)) & 0xff; });
  const blk = new VirtioBlk({ name: 'vda', backend: disk, serial: 'serval-disk-1' });
  const d = new TestDriver(blk);
  d.init(ALL_TRANSPORT | (1n << BigInt(BLK_F.FLUSH)) | (1n << BigInt(BLK_F.SEG_MAX)) | (1n << BigInt(BLK_F.BLK_SIZE)) | (readonly ? 1n << BigInt(BLK_F.RO) : 0n));
  return { disk, blk, d };
}

describe('virtio-blk', () => {
  it('reports capacity, seg_max and block size in its configuration; offers FLUSH, and RO when read-only', () => {
    const { d, blk } = rig(100);
    expect(d.r(VIRTIO_BAR0.DEVICE, 4)).toBe(100);
    expect(d.r(VIRTIO_BAR0.DEVICE + 4, 4)).toBe(0);
    expect(d.r(VIRTIO_BAR0.DEVICE + 0x0c, 4)).toBe(254);
    expect(d.r(VIRTIO_BAR0.DEVICE + 0x14, 4)).toBe(512);
    expect(blk.features & (1n << BigInt(BLK_F.RO))).toBe(0n);
    expect(blk.features & (1n << BigInt(BLK_F.FLUSH))).not.toBe(0n);
    const ro = new VirtioBlk({ name: 'ro', backend: new MemoryBackend(new Uint8Array(512)), readonly: true });
    expect(ro.features & (1n << BigInt(BLK_F.RO))).not.toBe(0n);
    expect(() => new VirtioBlk({ name: 'odd', backend: new MemoryBackend(new Uint8Array(1000)) })).toThrow(/whole number of 512-byte sectors/);
  });

  it('reads sectors into the driver\'s buffers (split across descriptors) and writes the status last', () => {
    const { d, disk } = rig();
    const r = d.post(0, [{ data: header(BLK_T.IN, 3) }, { writable: 700 }, { writable: 324 }, { writable: 1 }]);
    expect(d.reap(0)).toEqual([{ id: r.head, len: 1025 }]);
    expect([...d.bytes(r.addrs[1], 700), ...d.bytes(r.addrs[2], 324)]).toEqual([...disk.bytes.subarray(3 * SECTOR, 5 * SECTOR)]);
    expect(d.bytes(r.addrs[3], 1)[0]).toBe(BLK_S.OK);
    expect(d.msis.length).toBe(1);
  });

  it('writes reach the backend; flush reaches its flush; GET_ID gives the serial', () => {
    const { d, disk, blk } = rig();
    const data = Uint8Array.from({ length: 2 * SECTOR }, (_, i) => (i * 13) & 0xff);
    const w = d.post(0, [{ data: header(BLK_T.OUT, 10) }, { data: data.subarray(0, 100) }, { data: data.subarray(100) }, { writable: 1 }], { indirect: true });
    expect(d.reap(0)).toEqual([{ id: w.head, len: 1 }]);
    expect(d.bytes(w.addrs[3], 1)[0]).toBe(BLK_S.OK);
    expect([...disk.bytes.subarray(10 * SECTOR, 12 * SECTOR)]).toEqual([...data]);
    const f = d.post(0, [{ data: header(BLK_T.FLUSH, 0) }, { writable: 1 }]);
    d.reap(0);
    expect(d.bytes(f.addrs[1], 1)[0]).toBe(BLK_S.OK);
    expect(disk.flushes).toBe(1);
    const id = d.post(0, [{ data: header(BLK_T.GET_ID, 0) }, { writable: 20 }, { writable: 1 }]);
    expect(d.reap(0)[0].len).toBe(21);
    expect(new TextDecoder().decode(d.bytes(id.addrs[1], 20)).replace(/\0+$/, '')).toBe('serval-disk-1');
    expect(blk.counts).toEqual({ read: 0, write: 1, flush: 1, other: 1 });
  });

  it('out-of-range, read-only and unknown requests fail with IOERR or UNSUPP and leave the disk alone', () => {
    const { d, disk } = rig(8);
    const before = disk.bytes.slice();
    const past = d.post(0, [{ data: header(BLK_T.IN, 7) }, { writable: 1024 }, { writable: 1 }]);
    const partial = d.post(0, [{ data: header(BLK_T.OUT, 0) }, { data: new Uint8Array(100) }, { writable: 1 }]);
    const unknown = d.post(0, [{ data: header(11, 0) }, { data: new Uint8Array(16) }, { writable: 1 }]);
    d.reap(0);
    expect(d.bytes(past.addrs[2], 1)[0]).toBe(BLK_S.IOERR);
    expect(d.bytes(partial.addrs[2], 1)[0]).toBe(BLK_S.IOERR);
    expect(d.bytes(unknown.addrs[2], 1)[0]).toBe(BLK_S.UNSUPP);
    expect(disk.bytes).toEqual(before);
    const ro = rig(8, true);
    const w = ro.d.post(0, [{ data: header(BLK_T.OUT, 0) }, { data: new Uint8Array(512).fill(1) }, { writable: 1 }]);
    ro.d.reap(0);
    expect(ro.d.bytes(w.addrs[2], 1)[0]).toBe(BLK_S.IOERR);
    expect(ro.disk.bytes[0]).not.toBe(1);
  });

  it('restores an identical device, and refuses a checkpoint of a disk of another size', () => {
    const { d, blk } = rig();
    d.post(0, [{ data: header(BLK_T.IN, 0) }, { writable: 512 }, { writable: 1 }]);
    const saved = JSON.parse(JSON.stringify(d.t.saveState()));
    const other = rig();
    other.d.mem.u8.set(d.mem.u8);
    other.d.t.loadState(saved);
    expect(other.d.t.saveState()).toEqual(d.t.saveState());
    expect(other.blk.counts).toEqual(blk.counts);
    const small = rig(32);
    expect(() => small.d.t.loadState(saved)).toThrow(/64 sectors, this one has 32/);
  });
});
