// Where a virtio-pci function keeps things: its configuration space (identity, the vendor
// capabilities that point into BAR 0, MSI-X, the PCI_CFG window) and BAR 0's regions.
import { PCI, PciConfigSpace } from '../pci/config-space.js';
import type { VirtioDeviceModel } from './device.js';

export const VIRTIO_PCI_VENDOR = 0x1af4;
export const VIRTIO_PCI_DEVICE_BASE = 0x1040;
/** BAR 0 layout. */
export const BAR0 = { SIZE: 0x8000, COMMON: 0x0000, ISR: 0x1000, DEVICE: 0x2000, NOTIFY: 0x3000, MSIX_TABLE: 0x4000, MSIX_PBA: 0x5000 } as const;
export const REGION = 0x1000;
/** Queue i's notify address is NOTIFY + i × this. */
export const NOTIFY_MULTIPLIER = 4;
const CAP = { COMMON: 1, NOTIFY: 2, ISR: 3, DEVICE: 4, PCI_CFG: 5 } as const;
export const MSIX_CAP = 0x84;
/** VIRTIO_PCI_CAP_PCI_CFG: a window onto BAR 0 through configuration space (bar, offset, length, data). */
export const CFG_CAP = 0x90;

/** The configuration space of a modern virtio function for `d`, with `vectors` MSI-X vectors. */
export function virtioConfigSpace(name: string, d: VirtioDeviceModel, vectors: number, irqLine: number): PciConfigSpace {
  const c = new PciConfigSpace(name, {
    vendor: VIRTIO_PCI_VENDOR, device: VIRTIO_PCI_DEVICE_BASE + d.deviceId, classCode: d.classCode, revision: 1,
    subsystemVendor: VIRTIO_PCI_VENDOR, subsystem: 0x40,
  });
  c.bar(0, BAR0.SIZE, 'mem32');
  c.put(PCI.STATUS, 2, 0x10); // capabilities list
  c.put(PCI.CAPABILITIES, 1, 0x40);
  c.interrupt(1, irqLine);
  const vendorCap = (at: number, next: number, type: number, offset: number, length: number, extra?: number) => {
    c.put(at, 1, 0x09);
    c.put(at + 1, 1, next);
    c.put(at + 2, 1, extra === undefined ? 16 : 20);
    c.put(at + 3, 1, type);
    c.put(at + 4, 1, 0); // BAR 0
    c.put(at + 8, 4, offset);
    c.put(at + 12, 4, length);
    if (extra !== undefined) c.put(at + 16, 4, extra);
  };
  vendorCap(0x40, 0x50, CAP.COMMON, BAR0.COMMON, REGION);
  vendorCap(0x50, 0x64, CAP.NOTIFY, BAR0.NOTIFY, REGION, NOTIFY_MULTIPLIER);
  vendorCap(0x64, 0x74, CAP.ISR, BAR0.ISR, REGION);
  vendorCap(0x74, MSIX_CAP, CAP.DEVICE, BAR0.DEVICE, REGION);
  c.put(MSIX_CAP, 1, 0x11);
  c.put(MSIX_CAP + 1, 1, CFG_CAP);
  c.put(MSIX_CAP + 2, 2, vectors - 1);
  c.mask(MSIX_CAP + 2, 2, 0xc000);
  c.put(MSIX_CAP + 4, 4, BAR0.MSIX_TABLE);
  c.put(MSIX_CAP + 8, 4, BAR0.MSIX_PBA);
  // The PCI_CFG window: the driver writes bar, offset and length, then reads or writes the data.
  vendorCap(CFG_CAP, 0, CAP.PCI_CFG, 0, 0, 0);
  c.mask(CFG_CAP + 4, 1, 0xff);
  c.mask(CFG_CAP + 8, 4, 0xffffffff);
  c.mask(CFG_CAP + 12, 4, 0xffffffff);
  c.mask(CFG_CAP + 16, 4, 0xffffffff);
  return c;
}
