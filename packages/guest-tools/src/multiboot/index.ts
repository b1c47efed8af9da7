export {
  MULTIBOOT_MAGIC, MULTIBOOT_BOOTLOADER_MAGIC, MULTIBOOT_SEARCH, MBH, MBI, MBI_OFF, MBI_SIZE,
  findMultibootHeader, encodeMultibootHeader, type MultibootHeader,
} from './header.js';
export { buildElf32, parseElf32, EM_386, type Elf32, type Elf32Load, type Elf32Segment } from './elf32.js';
export { buildMultibootKernel, MULTIBOOT_HEADER_SIZE, type MultibootKernel, type MultibootKernelSpec } from './build.js';
