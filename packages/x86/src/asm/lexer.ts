// Splits one source line into tokens. Numbers follow NASM's spellings (0x1F, 1Fh, 0b101, 101b,
// 17q/17o/0o17, 1_000); strings keep their bytes so `db` can emit them and expressions can read
// them as little-endian character constants.
import { issue } from './errors.js';

export type Token =
  | { t: 'id'; v: string }           // identifiers, keywords, `$`, `$$`
  | { t: 'num'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'str'; v: Uint8Array }
  | { t: 'op'; v: string };          // punctuation and operators

const ID_START = /[A-Za-z_.?@]/;
const ID_CHAR = /[A-Za-z0-9_.?@$#~]/;
const OPS = ['<<', '>>', '//', '%%', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '(', ')', '[', ']', ',', ':'];

/** Removes a `;` comment, ignoring semicolons inside quotes. */
export function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '`') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === ';') return line.slice(0, i);
  }
  return line;
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '"' || c === "'" || c === '`') {
      const [bytes, next] = readString(src, i);
      out.push({ t: 'str', v: bytes });
      i = next;
      continue;
    }
    if (c === '$' && !/[0-9]/.test(src[i + 1] ?? '')) {
      const two = src[i + 1] === '$';
      out.push({ t: 'id', v: two ? '$$' : '$' });
      i += two ? 2 : 1;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i;
      while (j < src.length && /[0-9A-Za-z_.]/.test(src[j])) {
        // An exponent sign belongs to a float literal such as 1.5e-3.
        if ((src[j] === 'e' || src[j] === 'E') && src.slice(i, j).includes('.') && /[+-]/.test(src[j + 1] ?? '')) j++;
        j++;
      }
      out.push(parseNumber(src.slice(i, j)));
      i = j;
      continue;
    }
    if (ID_START.test(c)) {
      let j = i + 1;
      while (j < src.length && ID_CHAR.test(src[j])) j++;
      out.push({ t: 'id', v: src.slice(i, j) });
      i = j;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) issue(`unexpected character '${c}'`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

function parseNumber(text: string): Token {
  const s = text.replace(/_/g, '').toLowerCase();
  if (/^[0-9]+\.[0-9]*(e[+-]?[0-9]+)?$/.test(s)) return { t: 'float', v: Number(s) };
  const radix = (digits: string, base: number, re: RegExp): Token => {
    if (!digits || !re.test(digits)) issue(`bad number '${text}'`);
    let v = 0n;
    for (const d of digits) v = v * BigInt(base) + BigInt(parseInt(d, base));
    return { t: 'num', v };
  };
  if (s.startsWith('0x')) return radix(s.slice(2), 16, /^[0-9a-f]+$/);
  if (s.endsWith('h')) return radix(s.slice(0, -1), 16, /^[0-9a-f]+$/);
  if (s.startsWith('0b') || s.startsWith('0y')) return radix(s.slice(2), 2, /^[01]+$/);
  if (s.startsWith('0o') || s.startsWith('0q')) return radix(s.slice(2), 8, /^[0-7]+$/);
  if (s.startsWith('0d')) return radix(s.slice(2), 10, /^[0-9]+$/);
  if (/^[01]+[by]$/.test(s)) return radix(s.slice(0, -1), 2, /^[01]+$/);
  if (/[oq]$/.test(s)) return radix(s.slice(0, -1), 8, /^[0-7]+$/);
  if (s.endsWith('d')) return radix(s.slice(0, -1), 10, /^[0-9]+$/);
  return radix(s, 10, /^[0-9]+$/);
}

const ESCAPES: Record<string, number> = {
  n: 10, t: 9, r: 13, '0': 0, a: 7, b: 8, f: 12, v: 11, e: 27, '\\': 92, "'": 39, '"': 34, '`': 96, '?': 63,
};

/** Reads a quoted string starting at `start`; only backquoted strings interpret escapes (as NASM). */
function readString(src: string, start: number): [Uint8Array, number] {
  const quote = src[start];
  const bytes: number[] = [];
  let i = start + 1;
  for (;;) {
    if (i >= src.length) issue('unterminated string');
    const c = src[i];
    if (c === quote) return [new Uint8Array(bytes), i + 1];
    if (quote === '`' && c === '\\') {
      const e = src[i + 1] ?? '';
      if (e === 'x') {
        const hex = /^[0-9A-Fa-f]{1,2}/.exec(src.slice(i + 2))?.[0];
        if (!hex) issue('bad \\x escape');
        bytes.push(parseInt(hex, 16));
        i += 2 + hex.length;
        continue;
      }
      const b = ESCAPES[e];
      if (b === undefined) issue(`unknown escape '\\${e}'`);
      bytes.push(b);
      i += 2;
      continue;
    }
    const ch = String.fromCodePoint(src.codePointAt(i) ?? 0);
    for (const b of new TextEncoder().encode(ch)) bytes.push(b);
    i += ch.length;
  }
}
