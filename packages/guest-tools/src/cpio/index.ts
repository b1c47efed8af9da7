export { buildCpio, normalizeCpioPath, type BuildOptions } from './build.js';
export { parseCpio } from './parse.js';
export { cpioFromDirectory, cpioEntriesFromDirectory, type DirectoryOptions } from './directory.js';
export { initramfsWithBusybox, DEFAULT_APPLETS, type InitramfsOptions } from './initramfs.js';
export { S_IF, S_IFMT, TRAILER, type CpioEntry, type CpioMember, type CpioType } from './types.js';
