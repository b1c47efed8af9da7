export { IoApic, IOAPIC_BASE, IOAPIC_VERSION, type IoApicOptions } from './ioapic.js';
