export { decodeLz4, isLz4 } from './frame.js';
export { decodeLz4Block } from './block.js';
