// A small XML reader for config files: elements, attributes, text, comments, CDATA, the prolog
// and the five predefined entities plus numeric references. No DTDs or namespaces: a config has
// no use for them, and refusing them is clearer than half-supporting them. Errors name the line.
import { ConfigError } from '../errors.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (trimmed), without its children's. */
  text: string;
  line: number;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function parseXml(source: string, file = 'config'): XmlElement {
  let i = 0;
  const lineAt = (at: number) => source.slice(0, at).split('\n').length;
  const fail = (msg: string, at = i) => new ConfigError('', `${file} line ${lineAt(at)}: ${msg}`);
  const decode = (s: string, at: number) => s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    if (!(e in ENTITIES)) throw fail(`unknown entity &${e};`, at);
    return ENTITIES[e];
  });
  const skipMisc = () => {
    for (;;) {
      while (/\s/.test(source[i] ?? '')) i++;
      if (source.startsWith('<?', i)) {
        const end = source.indexOf('?>', i);
        if (end < 0) throw fail('unterminated <?...?>');
        i = end + 2;
      } else if (source.startsWith('<!--', i)) {
        const end = source.indexOf('-->', i);
        if (end < 0) throw fail('unterminated comment');
        i = end + 3;
      } else if (source.startsWith('<!', i)) throw fail('DTDs are not supported in config files');
      else return;
    }
  };
  const name = () => {
    const m = /^[A-Za-z_][\w.:-]*/.exec(source.slice(i, i + 200));
    if (!m) throw fail(`expected a name at "${source.slice(i, i + 20)}"`);
    i += m[0].length;
    return m[0];
  };
  const element = (): XmlElement => {
    const start = i;
    if (source[i] !== '<') throw fail(`expected "<" at "${source.slice(i, i + 20)}"`);
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '', line: lineAt(start) };
    for (;;) {
      while (/\s/.test(source[i] ?? '')) i++;
      if (source.startsWith('/>', i)) { i += 2; return el; }
      if (source[i] === '>') { i++; break; }
      if (i >= source.length) throw fail(`unterminated <${el.name}>`, start);
      const at = i;
      const a = name();
      while (/\s/.test(source[i] ?? '')) i++;
      if (source[i] !== '=') throw fail(`attribute ${a} of <${el.name}> needs a value`, at);
      i++;
      while (/\s/.test(source[i] ?? '')) i++;
      const q = source[i];
      if (q !== '"' && q !== "'") throw fail(`the value of attribute ${a} must be quoted`, at);
      const end = source.indexOf(q, i + 1);
      if (end < 0) throw fail(`unterminated value of attribute ${a}`, at);
      if (a in el.attrs) throw fail(`attribute ${a} appears twice on <${el.name}>`, at);
      el.attrs[a] = decode(source.slice(i + 1, end), at);
      i = end + 1;
    }
    let text = '';
    for (;;) {
      const lt = source.indexOf('<', i);
      if (lt < 0) throw fail(`<${el.name}> is never closed`, start);
      text += decode(source.slice(i, lt), i);
      i = lt;
      if (source.startsWith('<!--', i)) {
        const end = source.indexOf('-->', i);
        if (end < 0) throw fail('unterminated comment');
        i = end + 3;
      } else if (source.startsWith('<![CDATA[', i)) {
        const end = source.indexOf(']]>', i);
        if (end < 0) throw fail('unterminated CDATA section');
        text += source.slice(i + 9, end);
        i = end + 3;
      } else if (source.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) throw fail(`</${closing}> closes <${el.name}> (opened on line ${el.line})`);
        while (/\s/.test(source[i] ?? '')) i++;
        if (source[i] !== '>') throw fail(`expected ">" after </${closing}`);
        i++;
        el.text = text.trim();
        return el;
      } else el.children.push(element());
    }
  };
  skipMisc();
  if (i >= source.length) throw fail('the file has no root element');
  const root = element();
  skipMisc();
  if (i < source.length) throw fail('content after the root element');
  return root;
}
