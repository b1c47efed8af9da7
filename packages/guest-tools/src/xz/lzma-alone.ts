// The legacy .lzma format ("LZMA_Alone": what `lzma` and `xz --format=lzma` write, and what
// kernels built with CONFIG_KERNEL_LZMA carry): a 13-byte header, then one raw LZMA stream that
// ends at the recorded size or at an end marker.
import { ImageError } from '../errors.js';
import { decodeProps, LzmaDecoder } from './lzma.js';
import { corrupt, truncated, u32le } from './reader.js';

const HEADER = 13;

/**
 * Decompresses .lzma data. `sizeHint` is the uncompressed size when the header leaves it unknown
 * (the kernel appends it after the stream); without either the output grows as it decodes.
 */
export function decodeLzmaAlone(b: Uint8Array, sizeHint?: number): Uint8Array {
  if (b.length < HEADER + 5) throw truncated('its header', '.lzma');
  const props = decodeProps(b[0]);
  const dictSize = u32le(b, 1);
  const lo = u32le(b, 5), hi = u32le(b, 9);
  const known = !(lo === 0xffffffff && hi === 0xffffffff);
  if (known && hi >= 0x200000) throw new ImageError('UNSUPPORTED', `the .lzma header records an uncompressed size of 2^53 bytes or more`);
  // A sanity check that rejects most data that is not .lzma at all.
  if (props.pb > 4 || dictSize === 0) throw new ImageError('NOT_LZMA', 'the data is not in the .lzma format (its header is implausible)');
  const lz = new LzmaDecoder(12);
  lz.setProps(props);
  lz.resetState();
  lz.rc.init(b, HEADER, b.length);
  const size = known ? hi * 2 ** 32 + lo : sizeHint;
  let out = new Uint8Array(size ?? Math.max(1 << 20, b.length * 4));
  let pos = 0;
  for (;;) {
    try {
      pos = lz.decode(out, pos, out.length, 0, true);
    } catch (e) {
      // Past the end of the input the decoder reads zeros, which soon look corrupt.
      throw lz.rc.pos > b.length ? truncated('the LZMA data', '.lzma') : e;
    }
    if (lz.rc.pos > b.length) throw truncated('the LZMA data', '.lzma');
    if (lz.sawEndMarker || size !== undefined) break;
    const bigger = new Uint8Array(out.length * 2);
    bigger.set(out);
    out = bigger;
  }
  if (size !== undefined && pos !== size) throw corrupt(`the LZMA stream ends after ${pos} bytes, not the ${size} recorded`, '.lzma');
  if (lz.sawEndMarker && !lz.rc.finished) throw corrupt('the LZMA stream does not end cleanly after its end marker', '.lzma');
  return pos === out.length ? out : out.slice(0, pos);
}
