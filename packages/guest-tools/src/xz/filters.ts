// The non-compressing filters an .xz block may chain before LZMA2, undone in place on the
// block's decoded bytes: delta (for sampled data) and x86 BCJ (Linux kernels use it: relative
// CALL/JMP targets were made absolute so that repeated calls to one function compress well).

const isMsByte = (b: number) => b === 0x00 || b === 0xff;

// BCJ's heuristic looks at which of the three bytes before an E8/E9 were themselves E8/E9 bytes
// left alone (a 3-bit mask, most recent in bit 0). Some patterns mean "this is inside an
// instruction, not an opcode"; ALLOWED says which masks still permit a conversion, and BYTE says
// which byte of the operand the nearest such earlier opcode would have overlapped.
const ALLOWED = [true, true, true, false, true, false, false, false];
const BYTE = [0, 1, 2, 2, 3, 3, 3, 3];

/**
 * Reverses the x86 BCJ filter on buf[start, end). `startOffset` is the filter's start offset
 * property: the address the block's first byte had when it was encoded.
 */
export function x86Decode(buf: Uint8Array, start: number, end: number, startOffset = 0): void {
  let prevMask = 0;
  let prevPos = start - 5; // no opcode seen yet: far enough back to not count
  const limit = end - 4; // the operand must be complete
  let i = start;
  while (i < limit) {
    if ((buf[i] & 0xfe) !== 0xe8) { i++; continue; }
    const gap = i - prevPos;
    prevPos = i;
    if (gap > 3) {
      prevMask = 0;
    } else {
      prevMask = (prevMask << (gap - 1)) & 7;
      if (prevMask !== 0 && (!ALLOWED[prevMask] || isMsByte(buf[i + 4 - BYTE[prevMask]]))) {
        prevMask = ((prevMask << 1) & 7) | 1;
        i++;
        continue;
      }
    }
    if (!isMsByte(buf[i + 4])) {
      prevMask = ((prevMask << 1) & 7) | 1;
      i++;
      continue;
    }
    // An operand whose top byte is 00 or FF (a near target) was converted: subtract the address
    // of the next instruction. When an earlier opcode overlapped this operand, the encoder
    // re-converted until the overlapped byte no longer looked like an opcode's top byte; undo
    // that loop the same way.
    const next = startOffset + (i - start) + 5;
    let src = (buf[i + 1] | (buf[i + 2] << 8) | (buf[i + 3] << 16) | (buf[i + 4] << 24)) >>> 0;
    let dest: number;
    for (;;) {
      dest = (src - next) >>> 0;
      if (prevMask === 0) break;
      const shift = BYTE[prevMask] * 8;
      if (!isMsByte((dest >>> (24 - shift)) & 0xff)) break;
      src = (dest ^ ((1 << (32 - shift)) - 1)) >>> 0;
    }
    buf[i + 1] = dest;
    buf[i + 2] = dest >>> 8;
    buf[i + 3] = dest >>> 16;
    // Bit 24 is sign-extended into the top byte, so the result is again 00 or FF.
    buf[i + 4] = (dest >>> 24) & 1 ? 0xff : 0x00;
    i += 5;
  }
}

/** Reverses the delta filter: each byte was stored as its difference from the byte `distance` back. */
export function deltaDecode(buf: Uint8Array, start: number, end: number, distance: number): void {
  for (let i = start + distance; i < end; i++) buf[i] = buf[i] + buf[i - distance];
}
