export { decodeGzip, isGzip } from './gzip.js';
