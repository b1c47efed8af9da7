// @serval/guest-tools — image formats (ELF, and later bzImage, PVH, multiboot, initramfs) and the
// guests built from this repository's own sources.
export { ImageError } from './errors.js';
export * from './elf/index.js';
export * from './multiboot/index.js';
export * from './guests/index.js';
export * from './xz/index.js';
export * from './gzip/index.js';
export * from './lz4/index.js';
export * from './linux/index.js';
export * from './cpio/index.js';
