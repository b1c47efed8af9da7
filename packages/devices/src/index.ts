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
