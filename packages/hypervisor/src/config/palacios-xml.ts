// Palacios-style XML configs, translated into Serval's config (which then validates as usual).
// Palacios's layout: <vm class="PC"> with <memory> in MB, <cores count=N> with <core/> entries,
// <paging>, <files>, and <devices> of <device class=... id=...> (older files spell it
// <device id=CLASS name=ID>). Options are a device's attributes and child elements. Device
// classes map to Serval's where Serval has the device; Serval's own class names are accepted
// too; anything else is refused by name. Serval additions: <name>, <kernel path format cmdline
// initrd | file=ID>, <time tscFreq dilation>.
import { ConfigError } from '../errors.js';
import type { XmlElement } from './xml.js';

/** Palacios device classes → Serval's (null: part of another Serval device, nothing to attach). */
const PALACIOS_CLASSES: Record<string, string | null> = {
  '8259A': 'pic8259',
  '8254_PIT': 'pit8254',
  KEYBOARD: 'i8042',
  '8042': 'i8042',
  NVRAM: 'rtc',
  RTC: 'rtc',
  LAPIC: 'lapic',
  APIC: 'lapic',
  IOAPIC: 'ioapic',
  HPET: 'hpet',
  PCI: 'pci',
  SERIAL: 'uart16550',
  UART: 'uart16550',
  '16550': 'uart16550',
  GENERIC: 'generic',
  // Palacios's Linux virtio devices, with Serval's options (a disk's path, a NIC's network).
  LNX_VIRTIO_BLK: 'virtio-blk',
  LNX_VIRTIO_NIC: 'virtio-net',
  LNX_VIRTIO_CONSOLE: 'virtio-console',
  // The PCI host bridge and ISA bridge functions are Serval's pci device; the loader writes the
  // MP table (and ACPI tables) from the devices the VM has.
  i440FX: null,
  PIIX3: null,
  MPTABLE: null,
};

/** Palacios child elements that wire devices to each other; Serval wires its devices itself. */
const WIRING = new Set(['bus', 'irq_bus', 'apic', 'controller', 'storage']);

/** Palacios settings with no counterpart in a simulated machine, accepted and ignored. */
const IGNORED = new Set(['telemetry', 'schedule_hz', 'perftune']);

type Raw = Record<string, unknown>;

export function palaciosXmlToConfig(root: XmlElement, serval: readonly string[]): Raw {
  const err = (path: string, msg: string) => new ConfigError(path, msg);
  if (root.name !== 'vm') throw err(root.name, `the root element of a Palacios config is <vm>, not <${root.name}>`);
  const vmClass = root.attrs.class ?? 'PC';
  if (vmClass !== 'PC') throw err('vm.class', `VM class "${vmClass}" is not supported (Serval builds PCs: class="PC")`);
  for (const a of Object.keys(root.attrs)) if (a !== 'class' && a !== 'name') throw err(`vm.${a}`, 'unknown attribute (known: class, name)');
  const out: Raw = {};
  if (root.attrs.name) out.name = root.attrs.name;
  const files = new Map<string, string>();
  const seen = new Set<string>();
  for (const el of root.children) {
    const path = `vm.${el.name}`;
    if (seen.has(el.name)) throw err(path, `<${el.name}> appears twice`);
    seen.add(el.name);
    switch (el.name) {
      case 'name': out.name = el.text; break;
      case 'memory': out.memory = memory(el, path); break;
      case 'cores': out.cores = cores(el, path); break;
      case 'paging': {
        // <paging>nested</paging> or <paging mode="nested">; "shadow" (older files: mode="VTLB" with
        // text "shadow") asks for what Serval does not do.
        const words = [el.attrs.mode, el.text].filter(Boolean).map((w) => w.toLowerCase());
        if (!words.includes('nested')) throw err(path, `paging "${words.join(' ') || '(none)'}" is not supported: Serval's VMs always use nested paging`);
        break;
      }
      case 'files':
        el.children.forEach((f, i) => {
          if (f.name !== 'file' || !f.attrs.id || !f.attrs.filename) throw err(`${path}[${i}]`, 'expected <file id="..." filename="..."/>');
          files.set(f.attrs.id, f.attrs.filename);
        });
        break;
      case 'kernel': out.kernel = kernel(el, path, files); break;
      case 'time': out.time = { ...el.attrs, ...numbers(el.attrs) }; break;
      case 'devices': out.devices = devices(el, path, serval); break;
      case 'extensions':
        if (el.children.length) throw err(`${path}.${el.children[0].name}`, `extension "${el.children[0].attrs.name ?? el.children[0].text}" is not available in Serval (it has none)`);
        break;
      case 'memmap': throw err(path, 'memory passthrough regions are not supported (a simulated VM has no host devices to map)');
      default:
        if (!IGNORED.has(el.name)) throw err(path, 'unknown element (known: name, memory, cores, paging, files, kernel, time, devices, extensions, telemetry, schedule_hz, perftune)');
    }
  }
  return out;
}

function numbers(attrs: Record<string, string>): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(attrs)) if (/^\d+(\.\d+)?$/.test(v)) out[k] = Number(v);
  return out;
}

/** Palacios gives memory in MB; a unit ("1G") is accepted too. */
function memory(el: XmlElement, path: string): string {
  const t = el.attrs.size ?? el.text;
  if (/^\d+$/.test(t)) return `${t}M`;
  if (!t) throw new ConfigError(path, 'needs a size in MB, e.g. <memory>256</memory>');
  return t;
}

function cores(el: XmlElement, path: string): Raw[] {
  const list = el.children.map((c, i) => {
    if (c.name !== 'core') throw new ConfigError(`${path}.${c.name}`, 'unknown element (known: core)');
    const core: Raw = {};
    for (const [k, v] of Object.entries(c.attrs)) {
      if (k === 'target_cpu' || k === 'hostCore') core.hostCore = v;
      else if (k === 'freq') core.freq = /^\d+$/.test(v) ? Number(v) : v;
      else throw new ConfigError(`${path}.core[${i}].${k}`, 'unknown attribute (known: target_cpu, freq)');
    }
    return core;
  });
  const count = el.attrs.count === undefined ? list.length || 1 : Number(el.attrs.count);
  if (!Number.isInteger(count) || count < 1) throw new ConfigError(`${path}.count`, `"${el.attrs.count}" is not a positive whole number`);
  if (list.length > count) throw new ConfigError(path, `count="${count}" but ${list.length} <core> entries`);
  while (list.length < count) list.push({});
  return list;
}

function kernel(el: XmlElement, path: string, files: Map<string, string>): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(el.attrs)) {
    if (k === 'file') {
      const f = files.get(v);
      if (!f) throw new ConfigError(`${path}.file`, `no <file id="${v}"> in <files>`);
      out.path = f;
    } else out[k] = v;
  }
  for (const c of el.children) out[c.name] = c.text;
  if (el.text && out.path === undefined) out.path = el.text;
  return out;
}

function devices(el: XmlElement, path: string, serval: readonly string[]): Raw[] {
  const out: Raw[] = [];
  el.children.forEach((d, i) => {
    const p = `${path}.device[${i}]`;
    if (d.name !== 'device') throw new ConfigError(`${path}.${d.name}`, 'unknown element (known: device)');
    // Current Palacios: class + id. Older files: id is the class and name the instance.
    const old = d.attrs.class === undefined && d.attrs.name !== undefined;
    const cls = old ? d.attrs.id : d.attrs.class;
    const id = old ? d.attrs.name : d.attrs.id;
    if (!cls) throw new ConfigError(p, 'needs a class attribute');
    if (!id) throw new ConfigError(p, `needs an id attribute (device class ${cls})`);
    let mapped: string | null | undefined = serval.includes(cls) ? cls : PALACIOS_CLASSES[cls];
    if (mapped === undefined) {
      const known = Object.keys(PALACIOS_CLASSES).join(', ');
      throw new ConfigError(`${p}.class`, `device class "${cls}" (id "${id}") has no Serval counterpart (Palacios classes Serval has: ${known}; or a Serval class: ${serval.join(', ')})`);
    }
    if (mapped === null) return;
    if (!serval.includes(mapped)) throw new ConfigError(`${p}.class`, `device class "${cls}" (id "${id}") maps to Serval's "${mapped}", which this build does not have`);
    const options: Raw = {};
    for (const [k, v] of Object.entries(d.attrs)) if (k !== 'class' && k !== 'id' && k !== 'name') options[k] = scalar(v);
    const ranges: XmlElement[] = [];
    for (const c of d.children) {
      if (WIRING.has(c.name)) continue;
      if (c.name === 'ports' && mapped === 'generic') { ranges.push(c); continue; }
      if (c.children.length) throw new ConfigError(`${p}.${c.name}`, `option <${c.name}> of device "${id}" should be a plain value`);
      options[c.name] = scalar(c.text);
    }
    if (mapped === 'generic') {
      if (!ranges.length) throw new ConfigError(p, `GENERIC device "${id}" needs at least one <ports start= end= mode=> range`);
      ranges.forEach((r, j) => out.push({ id: j ? `${id}.${j}` : id, class: 'generic', options: { ...options, ...genericRange(r, `${p}.ports[${j}]`) } }));
      return;
    }
    mapped = mapped as string;
    out.push(Object.keys(options).length ? { id, class: mapped, options } : { id, class: mapped });
  });
  if (out.some((d) => d.class === 'pci') === false && el.children.some((d) => ['i440FX', 'PIIX3'].includes(d.attrs.class ?? d.attrs.id ?? ''))) {
    throw new ConfigError(path, 'i440FX and PIIX3 are parts of the PCI host bridge: add <device class="PCI" id="pci0"/>');
  }
  return out;
}

/** A Palacios port range: start and end (inclusive), as attributes or child elements. */
function genericRange(r: XmlElement, path: string): Raw {
  const get = (k: string) => r.attrs[k] ?? r.children.find((c) => c.name === k)?.text;
  const start = Number(get('start'));
  const end = Number(get('end'));
  if (!Number.isInteger(start) || !Number.isInteger(end) || end < start) throw new ConfigError(path, `needs start <= end (got "${get('start')}" to "${get('end')}")`);
  const mode = (get('mode') ?? 'ignore').toLowerCase();
  if (mode.includes('passthrough')) throw new ConfigError(`${path}.mode`, `"${mode}" is not supported: a simulated VM has no host ports to pass through to (use ignore or print_and_ignore)`);
  if (mode !== 'ignore' && mode !== 'print_and_ignore') throw new ConfigError(`${path}.mode`, `"${mode}" is not one of ignore, print_and_ignore`);
  return { base: start, length: end - start + 1, mode: mode === 'ignore' ? 'ignore' : 'print' };
}

function scalar(v: string): unknown {
  if (v === 'true' || v === 'false') return v === 'true';
  return v;
}
