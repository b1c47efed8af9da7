export { PciHost, PCI_CONFIG_PORT, PCI_CONFIG_PORTS, HOST_BRIDGE_ID, type PciHostOptions } from './pci-host.js';
export { PciConfigSpace, PCI, type PciFunction, type PciIdentity } from './config-space.js';
