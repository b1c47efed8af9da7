export { VirtioBlk, type VirtioBlkOptions, SECTOR, BLK_F, BLK_T, BLK_S, BLK_ID_BYTES } from './virtio-blk.js';
export { type BlockBackend, MemoryBackend } from './backend.js';
