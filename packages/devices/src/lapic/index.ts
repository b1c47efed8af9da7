export { LocalApic, LAPIC_BASE, LAPIC_VERSION, LVT, type LocalApicOptions, type ExtIntSource } from './lapic.js';
export { ApicBus, DM, SHORTHAND, type ApicMessage, type ApicEndpoint, type EoiListener } from './apic-bus.js';
