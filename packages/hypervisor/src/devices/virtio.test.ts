// Virtio devices in a VM: attached from the config at PCI slots in order, requests served against
// the host's disk file, and a checkpoint carrying them to a fresh host that continues identically.
import { BLK_T, type GuestRam, SECTOR, type VirtioPci, VirtioTestDriver } from '@serval/devices';
import { describe, expect, it } from 'vitest';
import { buildTickerGuest, tickerVmConfig } from '../checkpoint/ticker-guest.js';
import { Hypervisor } from '../hypervisor.js';
import { TestHost } from '../test-host.js';

const TICKER = buildTickerGuest();
const DISK_SECTORS = 128;

function config(extra: Record<string, unknown>[] = []) {
  const c = tickerVmConfig('ticker.elf');
  c.devices = [...(c.devices as unknown[]), { id: 'pci', class: 'pci' }, { id: 'vda', class: 'virtio-blk', options: { path: 'disk.img', serial: 'ser-1' } }, { id: 'hvc0', class: 'virtio-console' }, ...extra];
  return c;
}

function setup(disk = Uint8Array.from({ length: DISK_SECTORS * SECTOR }, (_, i) => (i * 31) & 0xff)) {
  const host = new TestHost();
  host.files.set('ticker.elf', TICKER);
  host.files.set('disk.img', disk);
  const vm = new Hypervisor(host).createVm(config());
  const vda = vm.devices.find((d) => d.name === 'vda') as VirtioPci;
  const hvc = vm.devices.find((d) => d.name === 'hvc0') as VirtioPci;
  const ram: GuestRam = vm.memory;
  const driver = (t: VirtioPci) => new VirtioTestDriver({ transport: t, ram, mmio: vm.mmio, heap: 8 * 1024 * 1024, bar: 0xe0000000 });
  return { host, vm, vda, hvc, driver };
}

const header = (type: number, sector: number) => { const h = new Uint8Array(16); new DataView(h.buffer).setUint32(0, type, true); new DataView(h.buffer).setUint32(8, sector, true); return h; };

describe('virtio devices in a VM', () => {
  it('sit on PCI slots 1 and 2 in config order, with INTA# on the _PRT pins', () => {
    const { vm } = setup();
    const cfg = (dev: number, reg: number) => { vm.ports.write(0xcf8, 4, (0x80000000 | (dev << 11) | reg) >>> 0); return vm.ports.read(0xcfc, 4) >>> 0; };
    expect(cfg(1, 0)).toBe(0x10421af4);
    expect(cfg(2, 0)).toBe(0x10431af4);
    expect(cfg(1, 0x3c) & 0xffff).toBe(0x0100 | 17);
    expect(cfg(2, 0x3c) & 0xffff).toBe(0x0100 | 18);
  });

  it('writes and flushes reach the host\'s disk file; a save restored on a fresh host has identical devices that carry on', () => {
    const a = setup();
    a.vm.launch();
    a.host.node.run({ stop: () => a.host.node.clock.now >= 1_000_000 });
    a.vm.pause();
    // The test plays a driver inside the guest (the ticker guest does not use PCI).
    const d = a.driver(a.vda);
    d.init(1n << 32n);
    const data = Uint8Array.from({ length: SECTOR }, (_, i) => 255 - (i & 0xff));
    const wr = d.post(0, [{ data: header(BLK_T.OUT, 5) }, { data }, { writable: 1 }]);
    d.post(0, [{ data: header(BLK_T.FLUSH, 0) }, { writable: 1 }]);
    expect(d.reap(0).map((u) => u.id)).toEqual([wr.head, wr.head + 3]);
    expect([...a.host.files.get('disk.img')!.subarray(5 * SECTOR, 6 * SECTOR)]).toEqual([...data]);
    // Save; restore on a fresh host whose disk is the same file.
    const bytes = a.vm.snapshot();
    const b = setup(a.host.files.get('disk.img')!.slice());
    b.vm.restore(bytes);
    for (const name of ['vda', 'hvc0']) {
      expect(b.vm.devices.find((x) => x.name === name)!.saveState()).toEqual(a.vm.devices.find((x) => x.name === name)!.saveState());
    }
    expect(b.vm.mmio.has(0xe0000000)).toBe(true);
    // The same next request on both: the same answer and the same device state.
    const db = b.driver(b.vda);
    db.adoptRings(d);
    const ra = d.post(0, [{ data: header(BLK_T.IN, 5) }, { writable: SECTOR }, { writable: 1 }]);
    const rb = db.post(0, [{ data: header(BLK_T.IN, 5) }, { writable: SECTOR }, { writable: 1 }]);
    expect(db.reap(0)).toEqual(d.reap(0));
    expect([...db.bytes(rb.addrs[1], SECTOR)]).toEqual([...d.bytes(ra.addrs[1], SECTOR)]);
    expect([...db.bytes(rb.addrs[1], SECTOR)]).toEqual([...data]);
    expect(b.vda.saveState()).toEqual(a.vda.saveState());
    // The guest itself continues to its end on the new host.
    b.vm.resume();
    b.host.node.run({ stop: () => b.vm.state !== 'running' });
    expect(b.vm.stopReason).toEqual({ kind: 'guest-exit', status: 0 });
  });

  it('a read-only disk offers VIRTIO_BLK_F_RO and its writes fail without touching the file', () => {
    const host = new TestHost();
    host.files.set('ticker.elf', TICKER);
    const disk = new Uint8Array(8 * SECTOR);
    host.files.set('disk.img', disk);
    const c = tickerVmConfig('ticker.elf');
    c.devices = [...(c.devices as unknown[]), { id: 'pci', class: 'pci' }, { id: 'vda', class: 'virtio-blk', options: { path: 'disk.img', readonly: true } }];
    const vm = new Hypervisor(host).createVm(c);
    const t = vm.devices.find((x) => x.name === 'vda') as VirtioPci;
    expect((t.offered >> 5n) & 1n).toBe(1n);
    const d = new VirtioTestDriver({ transport: t, ram: vm.memory, mmio: vm.mmio, heap: 8 * 1024 * 1024, bar: 0xe0000000 });
    d.init(1n << 32n | 1n << 5n);
    const w = d.post(0, [{ data: header(BLK_T.OUT, 0) }, { data: new Uint8Array(SECTOR).fill(9) }, { writable: 1 }]);
    d.reap(0);
    expect(d.bytes(w.addrs[2], 1)[0]).toBe(1); // VIRTIO_BLK_S_IOERR
    expect(disk.every((b) => b === 0)).toBe(true);
  });

  it('config errors name the key: no PCI bus, a disk that cannot be opened', () => {
    const host = new TestHost();
    host.files.set('ticker.elf', TICKER);
    const hv = new Hypervisor(host);
    const noPci = tickerVmConfig('ticker.elf');
    noPci.devices = [...(noPci.devices as unknown[]), { id: 'vda', class: 'virtio-blk', options: { path: 'disk.img' } }];
    expect(() => hv.createVm(noPci)).toThrow(/devices\[4\]\.class.*list a "pci" device before it/);
    expect(() => hv.createVm(config())).toThrow(/devices\[5\]\.options\.path: cannot open the disk: disk\.img: no such file/);
    host.files.set('disk.img', new Uint8Array(1000));
    expect(() => hv.createVm(config())).toThrow(/not a whole number of 512-byte sectors/);
  });
});
