// Issue 5 through the built CLI: the multiboot device test kernel (built by guest-tools from this
// repository's sources) boots with `serval vm boot` on the LWK and every device reports its line;
// the same VM described in YAML, JSON and Palacios-style XML boots alike; and the LWK route's
// checkpoints: saved at some ms by one serval process and restored by another, the guest ends with
// the output and instruction count of an uninterrupted run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDeviceTestKernel, DEVICE_TEST_DEVICES, DEVICE_TEST_INPUT, DEVICE_TEST_LINES } from '@serval/guest-tools';
import { describe, expect, it } from 'vitest';
import { serval } from './cli.js';
import { tmp } from './tools.js';

const dir = tmp();
const kernel = join(dir, 'devtest.elf');
writeFileSync(kernel, buildDeviceTestKernel());

const yaml = [
  '# the device test VM',
  'name: devtest',
  'memory: 16M',
  'kernel:',
  `  path: "${kernel}"`,
  'devices:',
  ...DEVICE_TEST_DEVICES.map((d) => `  - { id: ${d.id}, class: ${d.class}${'options' in d ? `, options: ${JSON.stringify(d.options).replace(/"/g, '').replace(/:/g, ': ').replace(/,/g, ', ')}` : ''} }`),
  '',
].join('\n');
writeFileSync(join(dir, 'devtest.yaml'), yaml);
writeFileSync(join(dir, 'devtest.json'), JSON.stringify({ name: 'devtest', memory: '16M', kernel: { path: kernel }, devices: DEVICE_TEST_DEVICES }));

/** Palacios's spelling of the same PC (its classes, memory in MB, GENERIC port ranges). */
const PALACIOS: Record<string, string> = {
  pic8259: '8259A', pit8254: '8254_PIT', i8042: 'KEYBOARD', rtc: 'NVRAM', lapic: 'LAPIC', ioapic: 'IOAPIC', hpet: 'HPET', pci: 'PCI', uart16550: 'SERIAL',
};
const xml = `<?xml version="1.0"?>
<vm class="PC">
  <name>devtest</name>
  <memory>16</memory>
  <paging>nested</paging>
  <cores count="1"><core/></cores>
  <files><file id="k" filename="${kernel}"/></files>
  <kernel file="k"/>
  <devices>
${DEVICE_TEST_DEVICES.map((d) => {
    if (d.class === 'generic') return '    <device class="GENERIC" id="lpt"><ports start="0x378" end="0x37f" mode="PRINT_AND_IGNORE"/></device>';
    const opts = 'options' in d ? Object.entries(d.options).map(([k, v]) => `<${k}>${String(v)}</${k}>`).join('') : '';
    return `    <device class="${PALACIOS[d.class] ?? d.class}" id="${d.id}">${opts}</device>`;
  }).join('\n')}
  </devices>
</vm>
`;
writeFileSync(join(dir, 'devtest.xml'), xml);

const stats = (stderr: string) => Number(/instructions=(\d+)/.exec(stderr)?.[1]);

describe('serval vm boot: the device test kernel', () => {
  const ref = serval(['vm', 'boot', 'devtest.yaml', '--stats'], { cwd: dir, input: DEVICE_TEST_INPUT });

  it('every device of the PC reports ok on the serial console (config in YAML)', () => {
    expect(ref.status, ref.stderr).toBe(0);
    const lines = ref.stdout.split('\n');
    for (const name of DEVICE_TEST_LINES) expect(lines.find((l) => l.startsWith(`${name}: `)), name).toMatch(new RegExp(`^${name}: ok `));
    expect(ref.stdout).toContain("uart-rx: ok receive interrupt, byte 'Q'");
    expect(ref.stdout).toContain('device test done, failures=0\n');
    // The host's side of port 80h and of the generic device's print mode.
    expect(ref.stderr).toContain('VM "devtest": POST 0x42');
    expect(ref.stderr).toContain('VM "devtest": lpt: outb 0x0378 <- 0x5a');
    expect(stats(ref.stderr)).toBeGreaterThan(1_000_000);
  }, 120_000);

  it('the same VM from JSON and from Palacios-style XML boots identically', () => {
    for (const file of ['devtest.json', 'devtest.xml']) {
      const r = serval(['vm', 'boot', file, '--stats'], { cwd: dir, input: DEVICE_TEST_INPUT });
      expect(r.status, `${file}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toBe(ref.stdout);
      expect(stats(r.stderr)).toBe(stats(ref.stderr));
    }
  }, 120_000);

  it('a config naming a Palacios device Serval lacks is refused with the class named', () => {
    writeFileSync(join(dir, 'ide.xml'), xml.replace('<devices>', '<devices>\n    <device class="IDE" id="ide0"/>'));
    const r = serval(['vm', 'boot', 'ide.xml'], { cwd: dir });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('config vm.devices.device[0].class: device class "IDE" (id "ide0") has no Serval counterpart');
  }, 60_000);

  it('saved at 4.7 ms by one process and restored by another: the same output and instruction count', () => {
    const ckpt = join(dir, 'devtest.ckpt');
    const first = serval(['vm', 'boot', 'devtest.yaml', '--save-at', '4.7', '--save', ckpt], { cwd: dir, input: DEVICE_TEST_INPUT });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/VM "devtest" saved to .*devtest\.ckpt \(\d+ bytes\) at guest time [\d.]+ ms \(--save-at 4\.7\)/);
    expect(first.stdout.length).toBeGreaterThan(0);
    expect(first.stdout.length).toBeLessThan(ref.stdout.length);
    expect(readFileSync(ckpt).length).toBeGreaterThan(0);
    // The byte was typed before the save; the second process types nothing.
    const second = serval(['vm', 'boot', 'devtest.yaml', '--restore', ckpt, '--stats'], { cwd: dir });
    expect(second.status, second.stderr).toBe(0);
    expect(first.stdout + second.stdout).toBe(ref.stdout);
    expect(stats(second.stderr)).toBe(stats(ref.stderr));
  }, 120_000);

  it('checkpoint options are checked', () => {
    expect(serval(['vm', 'boot', 'devtest.yaml', '--save-at', '3'], { cwd: dir }).stderr).toContain('--save-at MS and --save FILE go together');
    expect(serval(['vm', 'boot', 'devtest.yaml', '--save-at', 'soon', '--save', 'x'], { cwd: dir }).stderr).toContain('--save-at soon is not a number of milliseconds');
    const r = serval(['vm', 'boot', 'devtest.yaml', '--restore', join(dir, 'missing.ckpt')], { cwd: dir });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('missing.ckpt');
  }, 60_000);
});
