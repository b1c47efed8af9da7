// @serval/devices — device models shared by every host (LWK, hypervisor, Linux host shim).
export { type Device, DeviceError, field } from './device.js';
export { Uart16550, COM_PORTS, type UartOptions } from './uart16550/index.js';
export { DebugExit, DEBUG_EXIT_PORT } from './debug-exit/index.js';
export { type PortRange } from './ports.js';
export { Pic8259, PIC_MASTER_PORT, PIC_SLAVE_PORT, PIC_ELCR_PORT, PIC_CASCADE_IR, type PicOptions } from './pic8259/index.js';
export { Pit8254, PIT_PORT, PIT_HZ, type PitOptions, SystemControlPort, PORT61 } from './pit8254/index.js';
export { Rtc146818, RTC_PORT, type RtcOptions, type MemoryLayout } from './rtc/index.js';
export { I8042, I8042_DATA_PORT, I8042_COMMAND_PORT, type I8042Options } from './i8042/index.js';
export { PostPort, POST_PORT, type PostPortOptions } from './port80/index.js';
export { GenericPorts, type GenericPortMode, type GenericPortsOptions, type PortAccess } from './generic/index.js';
export { LocalApic, LAPIC_BASE, LAPIC_VERSION, LVT, type LocalApicOptions, type ExtIntSource, ApicBus, DM, SHORTHAND, type ApicMessage, type ApicEndpoint, type EoiListener } from './lapic/index.js';
export { IoApic, IOAPIC_BASE, IOAPIC_VERSION, type IoApicOptions } from './ioapic/index.js';
export { Hpet, HPET_BASE, HPET_HZ, HPET_PERIOD_FS, HPET_ROUTE_CAP, HPET_VENDOR, type HpetOptions } from './hpet/index.js';
export { AcpiPm, ACPI_PM, ACPI_PM_BASE, PM_TIMER_HZ, SLP_TYP_S5, type AcpiPmOptions } from './acpi-pm/index.js';
export { PciHost, PCI_CONFIG_PORT, PCI_CONFIG_PORTS, HOST_BRIDGE_ID, type PciHostOptions, PciConfigSpace, PCI, type PciFunction, type PciIdentity } from './pci/index.js';
export {
  type GuestRam, Dma, VirtioError, VirtQueue, VirtqChain, type VirtqBuffer, needEvent, MsixTable, type VirtioDeviceModel, type VirtioTransport,
  VIRTIO_F, VIRTIO_ID, readLe, writeLe, VirtioPci, type VirtioPciOptions, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BASE, NO_VECTOR, VIRTIO_STATUS, VIRTIO_BAR0,
} from './virtio/index.js';
/** A virtio driver for tests, playing the guest against a transport. */
export { TestDriver as VirtioTestDriver } from './virtio/testing.js';
export { VirtioBlk, type VirtioBlkOptions, type BlockBackend, MemoryBackend, SECTOR, BLK_F, BLK_T, BLK_S } from './virtio-blk/index.js';
export { VirtioConsole, type VirtioConsoleOptions } from './virtio-console/index.js';
export {
  VirtioNet, type VirtioNetOptions, type VirtioNetStats, type NetLink, VIRTIO_NET_F, VIRTIO_NET_S_LINK_UP, NET_HDR_LEN, RX_BACKLOG,
  parseMac, formatMac, macFromName,
} from './virtio-net/index.js';
