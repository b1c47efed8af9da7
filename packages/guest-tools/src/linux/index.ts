export { parseBzImage, isBzImage, type BzImage, type KernelInfo } from './bzimage.js';
export { readSetupHeader, LOADFLAGS, XLF, HDRS_MAGIC, ENTRY64_OFFSET, type SetupHeader } from './header.js';
export { detectCompression, decompressPayload, type Compression } from './compression.js';
export { extractVmlinux, pvhEntry, XEN_ELFNOTE_PHYS32_ENTRY } from './vmlinux.js';
export { kernelModules, modinfo, moduleEntries, insmodScript, type KernelModule } from './modules.js';
