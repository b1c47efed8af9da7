// The LZMA decoder: a literal/match/rep coder over the range decoder, with the probability models
// of the LZMA specification. It decodes straight into the caller's output buffer, which doubles as
// the dictionary: matches copy from earlier output, never from a separate window.
import { ImageError } from '../errors.js';
import { RangeDecoder, PROB_INIT, TOP } from './range.js';
import { corrupt } from './reader.js';

// One Uint16Array holds every model; these are their offsets. The states (12) and position
// states (up to 16) index the per-state models.
const IS_MATCH = 0; // [state][posState]
const IS_REP = IS_MATCH + 192;
const IS_REP_G0 = IS_REP + 12;
const IS_REP_G1 = IS_REP_G0 + 12;
const IS_REP_G2 = IS_REP_G1 + 12;
const IS_REP0_LONG = IS_REP_G2 + 12; // [state][posState]
const POS_SLOT = IS_REP0_LONG + 192; // [min(len, 3)][64]
const SPEC_POS = POS_SLOT + 256; // reverse trees of distance slots 4..13
const ALIGN = SPEC_POS + 115; // the low 4 bits of long distances
// A length coder: a choice bit, a second choice bit, then 3-bit low and mid trees per position
// state and one 8-bit high tree.
const LEN_CHOICE = 0, LEN_CHOICE2 = 1, LEN_LOW = 2, LEN_MID = LEN_LOW + 128, LEN_HIGH = LEN_MID + 128, LEN_SIZE = LEN_HIGH + 256;
const MATCH_LEN = ALIGN + 16;
const REP_LEN = MATCH_LEN + LEN_SIZE;
const LITERAL = REP_LEN + LEN_SIZE; // 0x300 per literal context
const MAX_LITERAL_CONTEXTS = 1 << 12; // lc + lp <= 12 in .lzma files; LZMA2 caps it at 4
const LIT_STATES = 7; // states below this last coded a literal

/** Distance value of the end-of-stream marker. */
const END_MARKER = 0xffffffff;

export interface LzmaProps { lc: number; lp: number; pb: number }

/** Splits the properties byte (pb * 45 + lp * 9 + lc). */
export function decodeProps(byte: number): LzmaProps {
  if (byte >= 9 * 5 * 5) throw corrupt(`LZMA properties byte ${byte} is out of range`, 'LZMA');
  return { lc: byte % 9, lp: Math.floor(byte / 9) % 5, pb: Math.floor(byte / 45) };
}

export class LzmaDecoder {
  readonly rc = new RangeDecoder();
  private probs: Uint16Array;
  private lc = 0;
  private lp = 0;
  private pb = 0;
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  /** Set when decode() stopped at an end marker. */
  sawEndMarker = false;
  /** Bytes of a match that did not fit before `end`; the next decode() copies them first. */
  pending = 0;

  constructor(maxLcLp = 4) {
    this.probs = new Uint16Array(LITERAL + 0x300 * Math.min(1 << maxLcLp, MAX_LITERAL_CONTEXTS));
  }

  setProps({ lc, lp, pb }: LzmaProps): void {
    if (LITERAL + (0x300 << (lc + lp)) > this.probs.length) {
      throw new ImageError('UNSUPPORTED', `LZMA properties lc=${lc} lp=${lp} are beyond what this stream type allows (lc + lp must be at most 4 in LZMA2)`);
    }
    this.lc = lc; this.lp = lp; this.pb = pb;
  }

  /** Back to the initial state: every probability even, no repeated distances. */
  resetState(): void {
    this.probs.fill(PROB_INIT, 0, LITERAL + (0x300 << (this.lc + this.lp)));
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
  }

  /**
   * Decodes until out[end) is filled (or, if `endMarkerOk`, an end marker comes first) and returns
   * the position it stopped at. A match that does not fit is finished by the next call (see
   * `pending`). Matches may reach back to `dictStart`, the last dictionary reset; positions for
   * the pb/lp context bits count from there too.
   *
   * This is the hot loop of every kernel boot, so the range decoder is inlined by hand: its state
   * lives in locals (registers) rather than object fields, and each bit is the same three lines:
   * split the range at the probability, adapt the probability by 1/32 toward the bit seen, and
   * shift in another input byte when the range gets narrow. Range and code are unsigned 32-bit
   * values kept as int32 bit patterns (>>> 0 where they compare), which V8 keeps in integer
   * registers.
   */
  decode(out: Uint8Array, pos: number, end: number, dictStart: number, endMarkerOk = false): number {
    const rc = this.rc, inp = rc.buf, p = this.probs, lc = this.lc;
    const pbMask = (1 << this.pb) - 1, lpMask = (1 << this.lp) - 1;
    let range = rc.range | 0, code = rc.code | 0, ip = rc.pos;
    let state = this.state, rep0 = this.rep0, rep1 = this.rep1, rep2 = this.rep2, rep3 = this.rep3;
    let i = 0, prob = 0, bound = 0, b = 0;
    if (this.pending > 0) {
      const n = Math.min(this.pending, end - pos);
      this.pending -= n;
      for (let k = 0; k < n; k++, pos++) out[pos] = out[pos - rep0 - 1];
    }
    try {
      while (pos < end) {
        const rel = pos - dictStart;
        const posState = rel & pbMask;
        i = IS_MATCH + (state << 4) + posState; prob = p[i]; bound = Math.imul(range >>> 11, prob);
        if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); b = 0; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); b = 1; }
        if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
        if (b === 0) {
          const prev = rel > 0 ? out[pos - 1] : 0;
          const base = LITERAL + 0x300 * (((rel & lpMask) << lc) + (prev >>> (8 - lc)));
          let sym = 1;
          if (state >= LIT_STATES) {
            // After a match the byte at rep0 is a good guess: code bits against it until the first
            // bit that differs, then go on as a plain literal.
            let match = out[pos - rep0 - 1];
            do {
              const mbit = (match >>> 7) & 1;
              match <<= 1;
              i = base + ((1 + mbit) << 8) + sym; prob = p[i]; bound = Math.imul(range >>> 11, prob);
              if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); b = 0; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); b = 1; }
              if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
              sym = (sym << 1) | b;
              if (b !== mbit) break;
            } while (sym < 0x100);
          }
          while (sym < 0x100) {
            i = base + sym; prob = p[i]; bound = Math.imul(range >>> 11, prob);
            if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); sym <<= 1; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); sym = (sym << 1) | 1; }
            if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
          }
          out[pos++] = sym;
          state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
          continue;
        }
        i = IS_REP + state; prob = p[i]; bound = Math.imul(range >>> 11, prob);
        if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); b = 0; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); b = 1; }
        if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
        const isRep = b;
        if (isRep) {
          i = IS_REP_G0 + state; prob = p[i]; bound = Math.imul(range >>> 11, prob);
          if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); b = 0; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); b = 1; }
          if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
          if (b === 0) {
            i = IS_REP0_LONG + (state << 4) + posState; prob = p[i]; bound = Math.imul(range >>> 11, prob);
            if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); b = 0; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); b = 1; }
            if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
            if (b === 0) {
              // A "short rep": one byte from rep0.
              if (!(rep0 < rel)) throw corrupt(`a match reaches ${rep0 + 1} bytes back with only ${rel} decoded`, 'LZMA');
              state = state < LIT_STATES ? 9 : 11;
              out[pos] = out[pos - rep0 - 1];
              pos++;
              continue;
            }
          } else {
            let d: number;
            i = IS_REP_G1 + state; prob = p[i]; bound = Math.imul(range >>> 11, prob);
            if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); b = 0; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); b = 1; }
            if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
            if (b === 0) {
              d = rep1;
            } else {
              i = IS_REP_G2 + state; prob = p[i]; bound = Math.imul(range >>> 11, prob);
              if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); b = 0; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); b = 1; }
              if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
              if (b === 0) d = rep2;
              else { d = rep3; rep3 = rep2; }
              rep2 = rep1;
            }
            rep1 = rep0; rep0 = d;
          }
        }

        // The length (minus 2): a choice bit, a second one, then a 3-bit tree per position state
        // (lengths 0-7 and 8-15) or the shared 8-bit tree (16-271).
        const lenBase = isRep ? REP_LEN : MATCH_LEN;
        let tree: number, bits: number, len: number;
        i = lenBase + LEN_CHOICE; prob = p[i]; bound = Math.imul(range >>> 11, prob);
        if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); b = 0; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); b = 1; }
        if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
        if (b === 0) {
          tree = lenBase + LEN_LOW + (posState << 3); bits = 3; len = 0;
        } else {
          i = lenBase + LEN_CHOICE2; prob = p[i]; bound = Math.imul(range >>> 11, prob);
          if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); b = 0; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); b = 1; }
          if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
          if (b === 0) { tree = lenBase + LEN_MID + (posState << 3); bits = 3; len = 8; }
          else { tree = lenBase + LEN_HIGH; bits = 8; len = 16; }
        }
        let m = 1;
        const top = 1 << bits;
        while (m < top) {
          i = tree + m; prob = p[i]; bound = Math.imul(range >>> 11, prob);
          if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); m <<= 1; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); m = (m << 1) | 1; }
          if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
        }
        len += m - top;

        if (isRep) {
          state = state < LIT_STATES ? 8 : 11;
        } else {
          state = state < LIT_STATES ? 7 : 10;
          // The distance (minus 1): a 6-bit slot per length class, then the slot's low bits:
          // modelled in reverse for slots below 14, otherwise direct bits plus 4 modelled ones.
          const slotTree = POS_SLOT + ((len < 3 ? len : 3) << 6);
          m = 1;
          while (m < 64) {
            i = slotTree + m; prob = p[i]; bound = Math.imul(range >>> 11, prob);
            if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); m <<= 1; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); m = (m << 1) | 1; }
            if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
          }
          const slot = m - 64;
          let dist = slot;
          if (slot >= 4) {
            let nbits = (slot >>> 1) - 1;
            dist = ((2 | (slot & 1)) << nbits) >>> 0; // up to 3 << 30: keep it unsigned
            let rtree: number;
            if (slot < 14) {
              rtree = SPEC_POS + dist - slot;
            } else {
              let direct = 0;
              for (let k = nbits - 4; k > 0; k--) {
                range = range >>> 1;
                if ((code >>> 0) >= range) { code = (code - range) | 0; direct = (direct << 1) | 1; } else direct <<= 1;
                if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
              }
              dist += direct * 16;
              rtree = ALIGN;
              nbits = 4;
            }
            m = 1;
            for (let k = 0; k < nbits; k++) {
              i = rtree + m; prob = p[i]; bound = Math.imul(range >>> 11, prob);
              if ((code >>> 0) < (bound >>> 0)) { range = bound; p[i] = prob + ((2048 - prob) >>> 5); m <<= 1; } else { range = (range - bound) | 0; code = (code - bound) | 0; p[i] = prob - (prob >>> 5); m = (m << 1) | 1; dist += 1 << k; }
              if ((range >>> 0) < TOP) { range <<= 8; code = (code << 8) | inp[ip++]; }
            }
            if (dist === END_MARKER) {
              if (!endMarkerOk) throw corrupt('an end-of-stream marker appears where LZMA2 does not allow one', 'LZMA');
              this.sawEndMarker = true;
              break;
            }
          }
          rep3 = rep2; rep2 = rep1; rep1 = rep0; rep0 = dist;
        }

        len += 2;
        if (!(rep0 < rel)) throw corrupt(`a match reaches ${rep0 + 1} bytes back with only ${rel} decoded`, 'LZMA');
        if (len > end - pos) {
          this.pending = len - (end - pos);
          len = end - pos;
        }
        let src = pos - rep0 - 1;
        const stop = pos + len;
        if (len > 32 && rep0 + 1 >= len) {
          out.copyWithin(pos, src, src + len);
          pos = stop;
        } else {
          // Overlapping copies (distance < length) repeat the recent bytes: must go byte by byte.
          while (pos < stop) out[pos++] = out[src++];
        }
      }
    } finally {
      rc.range = range >>> 0; rc.code = code >>> 0; rc.pos = ip;
      this.state = state; this.rep0 = rep0; this.rep1 = rep1; this.rep2 = rep2; this.rep3 = rep3;
    }
    return pos;
  }
}
