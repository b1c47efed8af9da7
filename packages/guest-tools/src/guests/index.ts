export { buildDemoKernel, DEMO_KERNEL_SOURCE, DEMO_KERNEL_BASE } from './demo-kernel.js';
export { buildHelloElf, HELLO_SOURCE } from './hello.js';
export { buildLwkGuest, lwkGuestVmConfig } from './lwk-guest.js';
export { buildDeviceTestKernel, DEVICE_TEST_SOURCE, DEVICE_TEST_LINES, DEVICE_TEST_DEVICES, DEVICE_TEST_INPUT } from './device-test/index.js';
export { PUTS_64, SERIAL_INIT_64 } from './serial-asm.js';
