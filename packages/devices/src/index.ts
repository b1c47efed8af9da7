// @serval/devices — device models shared by every host (LWK, hypervisor, Linux host shim).
export { type Device, DeviceError, field } from './device.js';
export { Uart16550, COM_PORTS, type UartOptions } from './uart16550/index.js';
export { DebugExit, DEBUG_EXIT_PORT } from './debug-exit/index.js';
