// The Linux x86 boot protocol's setup header (Documentation/arch/x86/boot.rst): the fields at
// offset 0x1f1 of a bzImage through which a boot loader and the kernel talk.

/** Bits of `loadflags`. */
export const LOADFLAGS = { LOADED_HIGH: 0x01, KASLR: 0x02, QUIET: 0x20, KEEP_SEGMENTS: 0x40, CAN_USE_HEAP: 0x80 } as const;
/** Bits of `xloadflags` (protocol 2.12+). */
export const XLF = {
  KERNEL_64: 0x01, CAN_BE_LOADED_ABOVE_4G: 0x02, EFI_HANDOVER_32: 0x04, EFI_HANDOVER_64: 0x08,
  EFI_KEXEC: 0x10, FIVE_LEVEL: 0x20, FIVE_LEVEL_ENABLED: 0x40,
} as const;
export const HDRS_MAGIC = 0x53726448; // "HdrS"
/** The 64-bit entry point is this far into the protected-mode kernel (XLF_KERNEL_64). */
export const ENTRY64_OFFSET = 0x200;

/**
 * The setup header. Fields a kernel's protocol version predates read as 0; `headerEnd` says how far
 * this kernel's header actually reaches.
 */
export interface SetupHeader {
  /** Sectors of real-mode setup code after the boot sector (0 in the file means 4). */
  setupSects: number;
  rootFlags: number;
  /** Size of the protected-mode code in 16-byte paragraphs. */
  sysSize: number;
  vidMode: number;
  rootDev: number;
  bootFlag: number;
  /** Protocol version, e.g. 0x020f; `versionString` is "2.15". */
  version: number;
  versionString: string;
  /** Offset (past the 0x200 of the boot sector) of the kernel's version string, or 0. */
  kernelVersion: number;
  typeOfLoader: number;
  loadflags: number;
  setupMoveSize: number;
  code32Start: number;
  ramdiskImage: number;
  ramdiskSize: number;
  heapEndPtr: number;
  extLoaderVer: number;
  extLoaderType: number;
  cmdLinePtr: number;
  /** Highest address an initrd may end at (2.03+). */
  initrdAddrMax: number;
  /** Physical alignment a relocatable kernel needs (2.05+). */
  kernelAlignment: number;
  relocatableKernel: boolean;
  /** log2 of the minimum alignment (2.10+). */
  minAlignment: number;
  xloadflags: number;
  /** Longest command line, without its terminating NUL (2.06+). */
  cmdlineSize: number;
  hardwareSubarch: number;
  hardwareSubarchData: number;
  /** The compressed kernel, relative to the start of the protected-mode code (2.08+). */
  payloadOffset: number;
  payloadLength: number;
  setupData: number;
  /** Where the kernel prefers to be loaded (2.10+). */
  prefAddress: number;
  /** Memory the kernel needs from its load address while it decompresses itself (2.10+). */
  initSize: number;
  /** EFI handover entry, relative to the protected-mode code (2.11+). */
  handoverOffset: number;
  /** kernel_info, relative to the protected-mode code (2.15+). */
  kernelInfoOffset: number;
  /** Offset just past the last header field this kernel has (0x202 + the jump's displacement). */
  headerEnd: number;
}

/** Field offsets from the start of the image, with their sizes. */
const FIELDS: [keyof SetupHeader, number, 1 | 2 | 4 | 8][] = [
  ['setupSects', 0x1f1, 1], ['rootFlags', 0x1f2, 2], ['sysSize', 0x1f4, 4], ['vidMode', 0x1fa, 2],
  ['rootDev', 0x1fc, 2], ['bootFlag', 0x1fe, 2], ['version', 0x206, 2], ['kernelVersion', 0x20e, 2],
  ['typeOfLoader', 0x210, 1], ['loadflags', 0x211, 1], ['setupMoveSize', 0x212, 2], ['code32Start', 0x214, 4],
  ['ramdiskImage', 0x218, 4], ['ramdiskSize', 0x21c, 4], ['heapEndPtr', 0x224, 2], ['extLoaderVer', 0x226, 1],
  ['extLoaderType', 0x227, 1], ['cmdLinePtr', 0x228, 4], ['initrdAddrMax', 0x22c, 4], ['kernelAlignment', 0x230, 4],
  ['relocatableKernel', 0x234, 1], ['minAlignment', 0x235, 1], ['xloadflags', 0x236, 2], ['cmdlineSize', 0x238, 4],
  ['hardwareSubarch', 0x23c, 4], ['hardwareSubarchData', 0x240, 8], ['payloadOffset', 0x248, 4], ['payloadLength', 0x24c, 4],
  ['setupData', 0x250, 8], ['prefAddress', 0x258, 8], ['initSize', 0x260, 4], ['handoverOffset', 0x264, 4],
  ['kernelInfoOffset', 0x268, 4],
];

/** Reads the header; the caller has checked the image is long enough and has the HdrS magic. */
export function readSetupHeader(image: Uint8Array): SetupHeader {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const headerEnd = Math.min(0x202 + image[0x201], image.length);
  const h = { headerEnd } as Record<string, number | boolean | string>;
  for (const [name, off, size] of FIELDS) {
    let v = 0;
    if (off + size <= headerEnd || off < 0x202) {
      v = size === 1 ? dv.getUint8(off) : size === 2 ? dv.getUint16(off, true) : size === 4 ? dv.getUint32(off, true)
        : dv.getUint32(off, true) + dv.getUint32(off + 4, true) * 2 ** 32;
    }
    h[name] = v;
  }
  if (h.setupSects === 0) h.setupSects = 4;
  h.relocatableKernel = h.relocatableKernel !== 0;
  const version = h.version as number;
  h.versionString = `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`;
  return h as unknown as SetupHeader;
}
