export { decodeXz, readXzIndex, isXz, XZ_MAGIC, type XzStream } from './stream.js';
export { decodeLzmaAlone } from './lzma-alone.js';
export { CHECK as XZ_CHECK } from './check.js';
export { crc32 } from './crc.js';
