// The YAML a VM config needs, and no more: block maps and lists by indentation, flow maps and
// lists on one line ({}, [a, b]), plain, 'single' and "double" quoted scalars, comments. Scalars
// follow YAML 1.2's core schema (null, booleans, decimal/hex/octal integers, floats); anything
// else is a string. Anchors, tags, multi-document streams and block scalars (| >) are refused by
// name rather than misread. Errors name the line.
import { ConfigError } from '../errors.js';

interface Line {
  no: number;
  indent: number;
  text: string;
}

export function parseYaml(source: string, file = 'config'): unknown {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    if (raw.includes('\t') && /^\s*\t/.test(raw)) throw yamlError(file, i + 1, 'tabs cannot indent YAML');
    const text = stripComment(raw, file, i + 1).trimEnd();
    if (!text.trim()) return;
    const t = text.trimStart();
    if (t === '---' && lines.length === 0) return;
    if (t === '---' || t === '...') throw yamlError(file, i + 1, 'a config file holds one YAML document');
    lines.push({ no: i + 1, indent: text.length - t.length, text: t });
  });
  if (lines.length === 0) return null;
  const p = new Parser(lines, file);
  const v = p.block(0);
  if (p.pos < lines.length) throw yamlError(file, lines[p.pos].no, 'unexpected content after the top-level node (a list and a map cannot share a level)');
  return v;
}

function yamlError(file: string, line: number, msg: string): ConfigError {
  return new ConfigError('', `${file} line ${line}: ${msg}`);
}

/** Removes a comment: a # at the line's start or after a space, outside quotes. */
function stripComment(line: string, file: string, no: number): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      // Quotes only open a scalar at its start (after a space, ':', '-', '[', '{' or ',').
      if (i === 0 || /[\s:[{,-]/.test(line[i - 1])) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  if (quote) throw yamlError(file, no, `unterminated ${quote === '"' ? 'double' : 'single'}-quoted string`);
  return line;
}

class Parser {
  pos = 0;
  constructor(private readonly lines: Line[], private readonly file: string) {}

  private err(no: number, msg: string): ConfigError {
    return yamlError(this.file, no, msg);
  }

  /** The node starting at the current line, which is indented by `indent`. */
  block(indent: number): unknown {
    const l = this.lines[this.pos];
    if (l.indent !== indent) throw this.err(l.no, 'unexpected indentation');
    return isItem(l.text) ? this.list(indent) : this.map(indent);
  }

  private list(indent: number): unknown[] {
    const out: unknown[] = [];
    while (this.pos < this.lines.length) {
      const l = this.lines[this.pos];
      if (l.indent < indent) break;
      if (l.indent > indent) throw this.err(l.no, 'unexpected indentation');
      // A list written at its key's indentation ends at the next key.
      if (!isItem(l.text)) break;
      const rest = l.text.slice(1).trimStart();
      if (!rest) {
        this.pos++;
        out.push(this.nested(indent));
        continue;
      }
      // "- key: value" opens a map whose later keys line up with "key".
      const inner = indent + (l.text.length - rest.length);
      this.lines[this.pos] = { no: l.no, indent: inner, text: rest };
      if (isItem(rest) || splitKey(rest)) out.push(this.block(inner));
      else { this.pos++; out.push(this.scalarOrFlow(rest, l.no)); }
    }
    return out;
  }

  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.pos < this.lines.length) {
      const l = this.lines[this.pos];
      if (l.indent < indent) break;
      if (l.indent > indent) throw this.err(l.no, 'unexpected indentation');
      if (isItem(l.text)) throw this.err(l.no, 'a "- " list item where a map key was expected');
      const kv = splitKey(l.text);
      if (!kv) throw this.err(l.no, `expected "key: value", got "${l.text}"`);
      const key = kv.key.startsWith('"') || kv.key.startsWith("'") ? String(this.scalar(kv.key, l.no)) : kv.key;
      if (Object.prototype.hasOwnProperty.call(out, key)) throw this.err(l.no, `key "${key}" appears twice`);
      this.pos++;
      // A list may sit at its key's own indentation (a common YAML style).
      if (!kv.value) {
        const next = this.lines[this.pos];
        out[key] = next && next.indent === indent && isItem(next.text) ? this.list(indent) : this.nested(indent);
      } else out[key] = this.scalarOrFlow(kv.value, l.no);
    }
    return out;
  }

  /** The more-indented node after a "key:" or "-" with nothing after it (null if none). */
  private nested(indent: number): unknown {
    const next = this.lines[this.pos];
    if (!next || next.indent <= indent) return null;
    return this.block(next.indent);
  }

  private scalarOrFlow(text: string, no: number): unknown {
    if (text.startsWith('[') || text.startsWith('{')) {
      const f = new Flow(text, (m) => this.err(no, m), (s) => this.scalar(s, no));
      const v = f.value();
      f.end();
      return v;
    }
    return this.scalar(text, no);
  }

  scalar(text: string, no: number): unknown {
    const t = text.trim();
    if (t.startsWith('"')) {
      if (!t.endsWith('"') || t.length < 2) throw this.err(no, `unterminated double-quoted string: ${t}`);
      try {
        return JSON.parse(t.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1'));
      } catch {
        throw this.err(no, `bad escape in ${t}`);
      }
    }
    if (t.startsWith("'")) {
      if (!t.endsWith("'") || t.length < 2) throw this.err(no, `unterminated single-quoted string: ${t}`);
      return t.slice(1, -1).replace(/''/g, "'");
    }
    if (/^[&*!|>%@`]/.test(t)) throw this.err(no, `"${t}": YAML anchors, aliases, tags and block scalars are not supported in config files`);
    return plain(t);
  }
}

function isItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** Splits "key: value" (the colon followed by a space or the end), honouring a quoted key. */
function splitKey(text: string): { key: string; value: string } | undefined {
  let i = 0;
  if (text[0] === '"' || text[0] === "'") {
    const q = text[0];
    i = 1;
    while (i < text.length && text[i] !== q) i += text[i] === '\\' && q === '"' ? 2 : 1;
    i++;
  }
  for (; i < text.length; i++) {
    if (text[i] === ':' && (i + 1 === text.length || text[i + 1] === ' ')) {
      const key = text.slice(0, i).trim();
      if (!key || key.startsWith('[') || key.startsWith('{')) return undefined;
      return { key, value: text.slice(i + 1).trim() };
    }
  }
  return undefined;
}

/** A plain scalar by YAML 1.2's core schema. */
function plain(t: string): unknown {
  if (t === '' || t === '~' || /^(null|Null|NULL)$/.test(t)) return null;
  if (/^(true|True|TRUE)$/.test(t)) return true;
  if (/^(false|False|FALSE)$/.test(t)) return false;
  if (/^[-+]?\d+$/.test(t)) return Number(t);
  if (/^0x[0-9a-fA-F]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0o[0-7]+$/.test(t)) return parseInt(t.slice(2), 8);
  if (/^[-+]?(\.\d+|\d+(\.\d*)?)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return t;
}

/** A flow collection on one line: [a, "b", {k: v}] or {k: v, l: [1, 2]}. */
class Flow {
  private i = 0;
  constructor(private readonly s: string, private readonly fail: (m: string) => Error, private readonly scalar: (s: string) => unknown) {}

  private ws(): void {
    while (this.s[this.i] === ' ') this.i++;
  }

  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '[') return this.seq();
    if (c === '{') return this.mapping();
    return this.atom();
  }

  private seq(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.i] === ']') { this.i++; return out; }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') throw this.fail(`expected "," or "]" in ${this.s}`);
    }
  }

  private mapping(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.s[this.i] === '}') { this.i++; return out; }
    for (;;) {
      const k = this.atom(true);
      this.ws();
      if (this.s[this.i++] !== ':') throw this.fail(`expected ":" after key ${String(k)} in ${this.s}`);
      const key = String(k);
      if (Object.prototype.hasOwnProperty.call(out, key)) throw this.fail(`key "${key}" appears twice`);
      out[key] = this.value();
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') throw this.fail(`expected "," or "}" in ${this.s}`);
    }
  }

  private atom(key = false): unknown {
    this.ws();
    const start = this.i;
    const q = this.s[this.i];
    if (q === '"' || q === "'") {
      this.i++;
      while (this.i < this.s.length && this.s[this.i] !== q) this.i += this.s[this.i] === '\\' && q === '"' ? 2 : 1;
      if (this.i >= this.s.length) throw this.fail(`unterminated string in ${this.s}`);
      this.i++;
      return this.scalar(this.s.slice(start, this.i));
    }
    const stop = key ? /[,:\]}]/ : /[,\]}]/;
    while (this.i < this.s.length && !stop.test(this.s[this.i])) this.i++;
    const text = this.s.slice(start, this.i).trim();
    if (!text) throw this.fail(`empty entry in ${this.s}`);
    return key ? text : this.scalar(text);
  }

  end(): void {
    this.ws();
    if (this.i < this.s.length) throw this.fail(`unexpected "${this.s.slice(this.i)}" after ${this.s.slice(0, this.i)}`);
  }
}
