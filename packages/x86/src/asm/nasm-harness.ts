// Test support: assembles a corpus with this assembler and with NASM and compares line by line.
// Each corpus line gets a marker label (`..@lN`, which does not disturb NASM's local-label scope)
// and a table of all marker addresses is appended, so both outputs can be cut into lines without
// parsing NASM's listing format.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iced } from '../iced/iced.js';
import { assemble } from './assemble.js';

export function nasmVersion(): string | undefined {
  const r = spawnSync('nasm', ['-v'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function runNasm(source: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'serval-nasm-'));
  try {
    writeFileSync(join(dir, 'in.asm'), source);
    const r = spawnSync('nasm', ['-f', 'bin', '-w-all', '-o', join(dir, 'out.bin'), join(dir, 'in.asm')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`nasm failed: ${r.stderr || r.error}`);
    return new Uint8Array(readFileSync(join(dir, 'out.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface LineResult {
  line: string;
  ours: Uint8Array;
  nasm: Uint8Array;
  oursText: string;
  nasmText: string;
}

export interface Comparison {
  /** Lines that produce bytes. */
  total: number;
  identical: number;
  /** Different bytes, same instruction (same decoded text). */
  equivalent: LineResult[];
  mismatched: LineResult[];
}

export function compareWithNasm(lines: string[], bitness: 16 | 32 | 64, origin: number): Comparison {
  const body = lines.map((l, i) => `..@l${i}:\n${l}`).join('\n');
  const table = lines.map((_, i) => `..@l${i}`).concat(`..@l${lines.length}`);
  const source = `${body}\n..@l${lines.length}:\nalign 8, db 0\ndq ${table.join(', ')}\n`;
  const ours = assemble(source, { bitness, origin }).bytes;
  const theirs = runNasm(`bits ${bitness}\norg ${origin}\n${source}`);
  const cut = (bytes: Uint8Array) => {
    const n = table.length;
    const view = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - n * 8, n * 8);
    const at = Array.from({ length: n }, (_, i) => Number(view.getBigUint64(i * 8, true)) - origin);
    const byAddr = new Map(at.map((a, i) => [a + origin, i]));
    return { at, byAddr };
  };
  const a = cut(ours), b = cut(theirs);
  const result: Comparison = { total: 0, identical: 0, equivalent: [], mismatched: [] };
  lines.forEach((line, i) => {
    const x = ours.subarray(a.at[i], a.at[i + 1]);
    const y = theirs.subarray(b.at[i], b.at[i + 1]);
    if (x.length === 0 && y.length === 0) return;
    result.total++;
    if (x.length === y.length && x.every((v, j) => v === y[j])) { result.identical++; return; }
    const r: LineResult = {
      line, ours: x, nasm: y,
      oursText: disassemble(x, origin + a.at[i], bitness, a.byAddr),
      nasmText: disassemble(y, origin + b.at[i], bitness, b.byAddr),
    };
    (r.oursText === r.nasmText ? result.equivalent : result.mismatched).push(r);
  });
  return result;
}

/** Disassembles `bytes`; addresses of corpus lines become `Ln` so layouts can differ. */
export function disassemble(bytes: Uint8Array, ip: number, bitness: number, labels: Map<number, number>): string {
  const decoder = new iced.Decoder(bitness, bytes, iced.DecoderOptions.None);
  const formatter = new iced.Formatter(iced.FormatterSyntax.Nasm);
  const ins = new iced.Instruction();
  const out: string[] = [];
  try {
    formatter.hexPrefix = '0x';
    formatter.hexSuffix = '';
    formatter.uppercaseHex = false;
    formatter.branchLeadingZeros = false;
    formatter.leadingZeros = false;
    formatter.ripRelativeAddresses = false;
    decoder.ip = BigInt(ip);
    while (decoder.canDecode) {
      decoder.decodeOut(ins);
      let text = formatter.format(ins);
      const target = ins.isIpRelMemoryOperand ? ins.ipRelMemoryAddress : ins.nearBranchTarget;
      const label = labels.get(Number(target));
      if (target !== 0n && label !== undefined) text = text.replace(`0x${target.toString(16)}`, `L${label}`);
      out.push(text);
    }
  } finally {
    ins.free();
    formatter.free();
    decoder.free();
  }
  return out.join('; ');
}

export const hex = (b: Uint8Array): string => Array.from(b, (v) => v.toString(16).padStart(2, '0')).join(' ');
