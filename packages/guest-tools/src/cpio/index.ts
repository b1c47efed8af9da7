export { buildCpio, normalizeCpioPath, type BuildOptions as CpioBuildOptions } from './build.js';
export { parseCpio } from './parse.js';
export { cpioFromDirectory, cpioEntriesFromDirectory, type DirectoryOptions as CpioDirectoryOptions } from './directory.js';
export { initramfsWithBusybox, DEFAULT_APPLETS, type InitramfsOptions } from './initramfs.js';
export { S_IF, S_IFMT, TRAILER as CPIO_TRAILER, type CpioEntry, type CpioMember, type CpioType } from './types.js';
