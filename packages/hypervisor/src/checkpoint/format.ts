// The checkpoint file: a fixed header (magic, version, section lengths, CRC-32 of everything after
// the header), a JSON section (config, time, vCPUs, devices) and the guest memory section. The
// header is checked before anything is parsed, so a truncated or damaged file is refused whole.
import { crc32 } from '@serval/guest-tools';
import { CheckpointError } from './errors.js';

export const MAGIC = 'SERVALVM';
export const VERSION = 1;
export const HEADER_SIZE = 32;

export interface Sections {
  meta: unknown;
  memory: Uint8Array;
}

export function encodeFile(s: Sections): Uint8Array {
  const meta = new TextEncoder().encode(JSON.stringify(s.meta));
  const out = new Uint8Array(HEADER_SIZE + meta.length + s.memory.length);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  dv.setUint32(8, VERSION, true);
  dv.setUint32(12, 0, true);
  dv.setUint32(16, meta.length, true);
  dv.setUint32(20, s.memory.length % 2 ** 32, true);
  dv.setUint32(24, Math.floor(s.memory.length / 2 ** 32), true);
  out.set(meta, HEADER_SIZE);
  out.set(s.memory, HEADER_SIZE + meta.length);
  dv.setUint32(28, crc32(out.subarray(HEADER_SIZE)), true);
  return out;
}

export function decodeFile(bytes: Uint8Array, file: string): Sections {
  if (bytes.length < HEADER_SIZE) {
    const isOurs = MAGIC.startsWith(String.fromCharCode(...bytes.subarray(0, 8)));
    throw new CheckpointError(isOurs ? 'CKPT_TRUNCATED' : 'CKPT_NOT_A_CHECKPOINT', isOurs
      ? `${file}: checkpoint is truncated (${bytes.length} bytes, shorter than its ${HEADER_SIZE}-byte header)`
      : `${file} is not a Serval checkpoint (no ${MAGIC} header)`);
  }
  if (String.fromCharCode(...bytes.subarray(0, 8)) !== MAGIC) throw new CheckpointError('CKPT_NOT_A_CHECKPOINT', `${file} is not a Serval checkpoint (no ${MAGIC} header)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== VERSION) throw new CheckpointError('CKPT_VERSION', `${file}: checkpoint format version ${version}; this Serval reads version ${VERSION}`);
  const metaLen = dv.getUint32(16, true);
  const memLen = dv.getUint32(20, true) + dv.getUint32(24, true) * 2 ** 32;
  const want = HEADER_SIZE + metaLen + memLen;
  if (bytes.length < want) throw new CheckpointError('CKPT_TRUNCATED', `${file}: checkpoint is truncated (${bytes.length} of ${want} bytes)`);
  if (bytes.length > want) throw new CheckpointError('CKPT_CORRUPT', `${file}: ${bytes.length - want} bytes of trailing data after the checkpoint`);
  const sum = crc32(bytes.subarray(HEADER_SIZE));
  if (sum !== dv.getUint32(28, true)) throw new CheckpointError('CKPT_CHECKSUM', `${file}: checkpoint checksum mismatch (stored ${hex8(dv.getUint32(28, true))}, computed ${hex8(sum)}): the file is damaged`);
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_SIZE, HEADER_SIZE + metaLen)));
  } catch (e) {
    throw new CheckpointError('CKPT_CORRUPT', `${file}: checkpoint metadata is not valid JSON`, { cause: e });
  }
  return { meta, memory: bytes.subarray(HEADER_SIZE + metaLen) };
}

function hex8(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}
