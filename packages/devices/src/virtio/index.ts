export { type GuestRam, Dma, VirtioError } from './ram.js';
export { VirtQueue, VirtqChain, type VirtqBuffer, needEvent } from './queue.js';
export { MsixTable } from './msix.js';
export { type VirtioDeviceModel, type VirtioTransport, VIRTIO_F, VIRTIO_ID, readLe, writeLe } from './device.js';
export { VirtioPci, type VirtioPciOptions, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BASE, NO_VECTOR, STATUS as VIRTIO_STATUS, BAR0 as VIRTIO_BAR0 } from './pci.js';
