// @serval/machine — a simulated node: cores with their own clocks, contiguous memory, buses,
// interrupt lines and the global virtual clock.
export { Node, DEFAULT_FREQ_HZ, type NodeConfig, type RunOutcome } from './node.js';
export { Core, type CoreConfig, type CoreDriver, type SliceResult } from './core.js';
export { PortBus, MmioBus, type PortDevice, type MmioDevice, type AccessSize } from './bus.js';
export { VirtualClock, type VirtualNs, type TimerHandle } from './clock.js';
export { IrqLine, IrqLatch, type IrqSink } from './irq.js';
export { MachineError } from './errors.js';
