import { describe, expect, it } from 'vitest';
import { configFormat, parseVmConfigText } from './text.js';
import { palaciosXmlToConfig } from './palacios-xml.js';
import { parseXml } from './xml.js';
import { parseYaml } from './yaml.js';

const JSON_PC = {
  name: 'pc', memory: '128M', cores: [{ freq: '2GHz', hostCore: 1 }, {}],
  kernel: { path: 'k.elf', cmdline: 'console=ttyS0 quiet', initrd: 'i.cpio' },
  devices: [
    { id: 'pic', class: 'pic8259' },
    { id: 'pit', class: 'pit8254' },
    { id: 'com1', class: 'uart16550', options: { port: 0x3f8, irq: 4 } },
    { id: 'junk', class: 'generic', options: { base: 0x378, length: 8, mode: 'print' } },
  ],
  time: { dilation: 2 },
};

const YAML_PC = `
# a PC, in YAML
name: pc
memory: 128M          # binary units
cores:
  - freq: 2GHz
    hostCore: 1
  - {}
kernel:
  path: "k.elf"
  cmdline: 'console=ttyS0 quiet'
  initrd: i.cpio
devices:
- id: pic
  class: pic8259
- { id: pit, class: pit8254 }
- id: com1
  class: uart16550
  options: { port: 0x3f8, irq: 4 }
- id: junk
  class: generic
  options:
    base: 0x378
    length: 8
    mode: print
time:
  dilation: 2
`;

const XML_PC = `<?xml version="1.0"?>
<!-- a PC, Palacios-style -->
<vm class="PC">
  <name>pc</name>
  <memory>128</memory>
  <telemetry>enable</telemetry>
  <paging mode="nested"><large_pages>true</large_pages></paging>
  <cores count="2">
    <core target_cpu="1" freq="2GHz"/>
  </cores>
  <files><file id="kern" filename="k.elf"/></files>
  <kernel file="kern" cmdline="console=ttyS0 quiet" initrd="i.cpio"/>
  <time dilation="2"/>
  <devices>
    <device class="8259A" id="pic"/>
    <device class="8254_PIT" id="pit"/>
    <device class="PCI" id="pci0"/>
    <device class="i440FX" id="northbridge"><bus>pci0</bus></device>
    <device class="SERIAL" id="com1"><port>0x3f8</port><irq>4</irq></device>
    <device class="GENERIC" id="junk">
      <ports><start>0x378</start><end>0x37f</end><mode>PRINT_AND_IGNORE</mode></ports>
      <ports start="0x80" end="0x80" mode="IGNORE"/>
    </device>
  </devices>
</vm>`;

describe('config formats', () => {
  const json = parseVmConfigText(JSON.stringify(JSON_PC), 'pc.json');

  it('YAML gives the same config as JSON', () => {
    expect(parseVmConfigText(YAML_PC, 'pc.yaml')).toEqual(json);
  });

  it('Palacios XML maps classes, MB memory, cores, files and GENERIC port ranges', () => {
    const x = parseVmConfigText(XML_PC, 'pc.xml');
    expect(x.memory).toBe(json.memory);
    expect(x.cores).toEqual(json.cores);
    expect(x.kernel).toEqual(json.kernel);
    expect(x.time).toEqual(json.time);
    expect(x.devices).toEqual([
      { id: 'pic', class: 'pic8259', options: {} },
      { id: 'pit', class: 'pit8254', options: {} },
      { id: 'pci0', class: 'pci', options: {} },
      { id: 'com1', class: 'uart16550', options: { port: '0x3f8', irq: '4' } },
      { id: 'junk', class: 'generic', options: { base: 0x378, length: 8, mode: 'print' } },
      { id: 'junk.1', class: 'generic', options: { base: 0x80, length: 1, mode: 'ignore' } },
    ]);
  });

  it('reads older Palacios files (<device id=CLASS name=ID>) and Serval class names', () => {
    const x = parseVmConfigText(`<vm class="PC"><memory>64</memory><kernel path="k"/>
      <devices><device id="NVRAM" name="nvram"><storage>ide</storage></device><device class="debug-exit" id="exit" port="0xf4"/>
      <device id="KEYBOARD" name="kbd"/><device id="LAPIC" name="apic"/><device id="IOAPIC" name="ioapic"><irq_bus>apic</irq_bus></device>
      <device class="HPET" id="hpet"/></devices></vm>`, 'old.xml');
    expect(x.devices.map((d) => [d.id, d.class])).toEqual([['nvram', 'rtc'], ['exit', 'debug-exit'], ['kbd', 'i8042'], ['apic', 'lapic'], ['ioapic', 'ioapic'], ['hpet', 'hpet']]);
    expect(x.devices[1].options).toEqual({ port: '0xf4' });
    expect(x.memory).toBe(64 * 1024 * 1024);
  });

  it('refuses Palacios devices Serval does not have, naming the class', () => {
    expect(() => parseVmConfigText('<vm><kernel path="k"/><devices><device class="IDE" id="ide"/></devices></vm>', 'a.xml'))
      .toThrow('config vm.devices.device[0].class: device class "IDE" (id "ide") has no Serval counterpart');
    expect(() => parseVmConfigText('<vm><kernel path="k"/><devices><device class="CGA_VIDEO" id="cga"/></devices></vm>', 'a.xml'))
      .toThrow(/device class "CGA_VIDEO"/);
    expect(() => parseVmConfigText('<vm><kernel path="k"/><devices><device class="GENERIC" id="g"><ports start="1" end="2" mode="PASSTHROUGH"/></device></devices></vm>', 'a.xml'))
      .toThrow('config vm.devices.device[0].ports[0].mode: "passthrough" is not supported');
    expect(() => parseVmConfigText('<vm><kernel path="k"/><devices><device class="i440FX" id="nb"/></devices></vm>', 'a.xml'))
      .toThrow('i440FX and PIIX3 are parts of the PCI host bridge');
  });

  it('maps Palacios\'s virtio classes when the build has them', () => {
    const doc = parseXml('<vm><kernel path="k"/><devices><device class="PCI" id="pci0"/><device class="LNX_VIRTIO_BLK" id="vda"><bus>pci0</bus><path>d.img</path></device></devices></vm>');
    expect(palaciosXmlToConfig(doc, ['pci', 'virtio-blk']).devices).toEqual([{ id: 'pci0', class: 'pci' }, { id: 'vda', class: 'virtio-blk', options: { path: 'd.img' } }]);
    expect(() => palaciosXmlToConfig(doc, ['pci'])).toThrow('config vm.devices.device[1].class: device class "LNX_VIRTIO_BLK" (id "vda") maps to Serval\'s "virtio-blk", which this build does not have');
  });

  it('refuses unknown XML elements and attributes with their path, and what Serval cannot do', () => {
    expect(() => parseVmConfigText('<vm><kernel path="k"/><memroy>5</memroy></vm>', 'a.xml')).toThrow('config vm.memroy: unknown element');
    expect(() => parseVmConfigText('<vm class="PC" size="3"><kernel path="k"/></vm>', 'a.xml')).toThrow('config vm.size: unknown attribute');
    expect(() => parseVmConfigText('<vm class="ARM"><kernel path="k"/></vm>', 'a.xml')).toThrow('VM class "ARM" is not supported');
    expect(() => parseVmConfigText('<vm><kernel path="k"/><paging mode="VTLB">shadow</paging></vm>', 'a.xml')).toThrow('config vm.paging: paging "vtlb shadow" is not supported');
    expect(() => parseVmConfigText('<vm><kernel path="k"/><cores count="1"><core speed="1"/></cores></vm>', 'a.xml')).toThrow('config vm.cores.core[0].speed: unknown attribute');
    expect(() => parseVmConfigText('<vm><kernel path="k"/><extensions><extension name="VMWARE_IFACE"/></extensions></vm>', 'a.xml')).toThrow('extension "VMWARE_IFACE" is not available');
    // Options pass to the device's own schema, which names unknown ones at attach time; the config
    // itself still rejects unknown top-level keys of the translated form.
    expect(() => parseVmConfigText('<vm><kernel path="k" cmdlne="x"/></vm>', 'a.xml')).toThrow('config kernel.cmdlne: unknown key');
  });

  it('reports malformed XML with its line', () => {
    expect(() => parseVmConfigText('<vm>\n<memory>5</mem>\n</vm>', 'b.xml')).toThrow('b.xml line 2: </mem> closes <memory>');
    expect(() => parseVmConfigText('<vm>\n<x a=1/></vm>', 'b.xml')).toThrow('b.xml line 2: the value of attribute a must be quoted');
    expect(() => parseVmConfigText('<vm>', 'b.xml')).toThrow('<vm> is never closed');
    expect(() => parseVmConfigText('<vm/><vm/>', 'b.xml')).toThrow('content after the root element');
    expect(() => parseVmConfigText('<vm><name>&nope;</name></vm>', 'b.xml')).toThrow('unknown entity &nope;');
  });

  it('rejects unknown YAML keys with their path, as for JSON', () => {
    expect(() => parseVmConfigText('kernel:\n  path: k\nmemroy: 1G\n', 'a.yaml')).toThrow('config memroy: unknown key');
    expect(() => parseVmConfigText('kernel: {path: k}\ncores:\n  - {}\n  - frequency: 1\n', 'a.yaml')).toThrow('config cores[1].frequency: unknown key');
    expect(() => parseVmConfigText('kernel: {path: k}\ndevices:\n  - id: a\n    class: b\n    opts: {}\n', 'a.yml')).toThrow('config devices[0].opts: unknown key');
  });

  it('reports malformed YAML with its line', () => {
    expect(() => parseYaml('a: 1\n  b: 2\n', 'c.yaml')).toThrow('c.yaml line 2: unexpected indentation');
    expect(() => parseYaml('a: 1\na: 2\n', 'c.yaml')).toThrow('c.yaml line 2: key "a" appears twice');
    expect(() => parseYaml('a: "open\n', 'c.yaml')).toThrow('c.yaml line 1: unterminated double-quoted string');
    expect(() => parseYaml('a: [1, 2\n', 'c.yaml')).toThrow('c.yaml line 1: expected "," or "]"');
    expect(() => parseYaml('a: |\n  text\n', 'c.yaml')).toThrow('block scalars are not supported');
    expect(() => parseYaml('a: 1\n- b\n', 'c.yaml')).toThrow('c.yaml line 2: a "- " list item where a map key was expected');
    expect(() => parseYaml('just words\n', 'c.yaml')).toThrow('expected "key: value"');
  });

  it('YAML scalars follow the 1.2 core schema', () => {
    expect(parseYaml(`
a: 12
b: -3
c: 0x1F
d: 1.5e3
e: true
f: ~
g: "tab\\there #not a comment"
h: 'it''s'
i: 2GHz
j: "0x10"
k: [a, "b c", {x: 1}]
l: plain text # comment
m:
n: a:b
`)).toEqual({ a: 12, b: -3, c: 31, d: 1500, e: true, f: null, g: 'tab\there #not a comment', h: "it's", i: '2GHz', j: '0x10', k: ['a', 'b c', { x: 1 }], l: 'plain text', m: null, n: 'a:b' });
    expect(parseYaml('- - 1\n  - 2\n- x\n')).toEqual([[1, 2], 'x']);
  });

  it('picks the format by extension, else by content', () => {
    expect(configFormat('{}', 'vm.yaml')).toBe('yaml');
    expect(configFormat('x: 1', 'vm.json')).toBe('json');
    expect(configFormat('<vm/>', 'vm.cfg')).toBe('xml');
    expect(configFormat(' {"a": 1}', 'vm')).toBe('json');
    expect(configFormat('kernel: {path: k}', 'vm')).toBe('yaml');
    expect(parseVmConfigText('kernel:\n  path: k\n', 'vm').kernel.path).toBe('k');
  });
});
