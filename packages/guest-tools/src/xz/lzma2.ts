// LZMA2: a sequence of chunks, each either stored bytes or an LZMA-compressed run with its own
// range coder, and a control byte saying what to reset first (dictionary, state, properties).
// Chunks bound the work per unit, which is what lets xz fall back to storing incompressible data.
import { ImageError } from '../errors.js';
import { decodeProps, LzmaDecoder } from './lzma.js';
import { corrupt } from './reader.js';

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

/**
 * Decodes the LZMA2 data in input[inPos, inEnd) into out[outPos, outEnd), which it must fill no
 * further than outEnd. Returns where the input and the output stopped (after the end chunk).
 */
export function decodeLzma2(
  input: Uint8Array, inPos: number, inEnd: number,
  out: Uint8Array, outPos: number, outEnd: number, lz: LzmaDecoder,
): { inPos: number; outPos: number } {
  let dictStart = outPos;
  let needDictReset = true, needProps = true;
  const need = (n: number) => {
    if (inPos + n > inEnd) throw corrupt('LZMA2 data runs past the end of its block (the recorded compressed size is wrong)');
  };
  for (;;) {
    need(1);
    const control = input[inPos++];
    if (control === 0x00) return { inPos, outPos };
    if (control === 0x01 || control >= 0xe0) {
      dictStart = outPos;
      needDictReset = false;
      // Properties are part of what a dictionary reset starts afresh: the next LZMA chunk must
      // state them again.
      needProps = true;
    } else if (needDictReset) {
      throw corrupt(`the first LZMA2 chunk (control ${hex(control)}) does not reset the dictionary`);
    }
    if (control < 0x80) {
      if (control > 0x02) throw corrupt(`LZMA2 control byte ${hex(control)} is invalid`);
      need(2);
      const size = ((input[inPos] << 8) | input[inPos + 1]) + 1;
      inPos += 2;
      need(size);
      if (size > outEnd - outPos) throw corrupt('a block decodes to more bytes than its recorded size');
      out.set(input.subarray(inPos, inPos + size), outPos);
      inPos += size;
      outPos += size;
      continue;
    }
    need(4);
    const unpacked = ((control & 0x1f) << 16) + ((input[inPos] << 8) | input[inPos + 1]) + 1;
    const packed = ((input[inPos + 2] << 8) | input[inPos + 3]) + 1;
    inPos += 4;
    const reset = (control >>> 5) & 3; // 0 none, 1 state, 2 state + properties, 3 + dictionary
    if (reset >= 2) {
      need(1);
      const props = decodeProps(input[inPos++]);
      if (props.lc + props.lp > 4) {
        throw new ImageError('CORRUPT', `the xz data is corrupt: LZMA2 properties lc=${props.lc} lp=${props.lp} exceed lc + lp = 4`);
      }
      lz.setProps(props);
      needProps = false;
    } else if (needProps) {
      throw corrupt(`an LZMA2 chunk (control ${hex(control)}) relies on properties no chunk since the last dictionary reset has set`);
    }
    if (reset >= 1) lz.resetState();
    lz.pending = 0;
    need(packed);
    if (unpacked > outEnd - outPos) throw corrupt('a block decodes to more bytes than its recorded size');
    const chunkEnd = inPos + packed;
    lz.rc.init(input, inPos, chunkEnd);
    outPos = lz.decode(out, outPos, outPos + unpacked, dictStart);
    if (lz.pending) throw corrupt('a match runs past the end of its LZMA2 chunk');
    if (lz.rc.pos !== chunkEnd || !lz.rc.finished) {
      throw corrupt(`an LZMA chunk's data does not end where its header says (${packed} bytes)`);
    }
    inPos = chunkEnd;
  }
}
