export { VirtioConsole, type VirtioConsoleOptions } from './virtio-console.js';
