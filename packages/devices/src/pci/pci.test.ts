import { describe, expect, it } from 'vitest';
import { PciConfigSpace, PCI } from './config-space.js';
import { PciHost } from './pci-host.js';

const addr = (dev: number, fn: number, reg: number) => (0x80000000 | (dev << 11) | (fn << 8) | reg) >>> 0;

function rig() {
  let resets = 0;
  const pci = new PciHost({ onReset: () => resets++ });
  const cfg = (dev: number, fn: number, reg: number, size: 1 | 2 | 4 = 4) => {
    pci.ioWrite(0, 4, addr(dev, fn, reg & 0xfc));
    return pci.ioRead(4 + (reg & 3), size);
  };
  const setCfg = (dev: number, fn: number, reg: number, size: 1 | 2 | 4, v: number) => {
    pci.ioWrite(0, 4, addr(dev, fn, reg & 0xfc));
    pci.ioWrite(4 + (reg & 3), size, v);
  };
  return { pci, cfg, setCfg, resets: () => resets };
}

describe('PCI configuration mechanism #1', () => {
  it('passes Linux\'s pci_check_type1 probe and sanity check (a host bridge on bus 0)', () => {
    const { pci, cfg } = rig();
    pci.ioWrite(3, 1, 0x01); // outb(0x01, 0xCFB)
    const saved = pci.ioRead(0, 4);
    pci.ioWrite(0, 4, 0x80000000);
    expect(pci.ioRead(0, 4)).toBe(0x80000000);
    pci.ioWrite(0, 4, saved);
    expect(cfg(0, 0, PCI.SUBCLASS, 2)).toBe(0x0600);
    expect(cfg(0, 0, 0)).toBe(0x00081b36);
    expect(cfg(0, 0, PCI.HEADER_TYPE, 1)).toBe(0);
  });

  it('absent functions and a disabled address read all ones', () => {
    const { pci, cfg } = rig();
    expect(cfg(5, 0, 0)).toBe(0xffffffff);
    expect(cfg(0, 1, 0, 2)).toBe(0xffff);
    pci.ioWrite(0, 4, 0x00000000);
    expect(pci.ioRead(4, 4)).toBe(0xffffffff);
  });

  it('byte and word accesses reach the byte the port names; read-only fields stay', () => {
    const { cfg, setCfg } = rig();
    setCfg(0, 0, PCI.COMMAND, 2, 0xffff);
    expect(cfg(0, 0, PCI.COMMAND, 2)).toBe(0x0507);
    setCfg(0, 0, PCI.LATENCY, 1, 0x40);
    expect(cfg(0, 0, PCI.LATENCY, 1)).toBe(0x40);
    expect(cfg(0, 0, PCI.CACHE_LINE, 4) >>> 0).toBe(0x00004000);
    setCfg(0, 0, 0, 4, 0);
    expect(cfg(0, 0, 0)).toBe(0x00081b36);
  });

  it('BAR sizing: all ones read back the size mask with the type bits; status bits clear on 1', () => {
    const { pci, cfg, setCfg } = rig();
    const f = new PciConfigSpace('test', { vendor: 0x1af4, device: 0x1000, classCode: 0x020000 });
    f.bar(0, 0x20, 'io');
    f.bar(1, 0x1000, 'mem32');
    f.interrupt(1, 11);
    f.put(PCI.STATUS, 2, 0x8010);
    pci.add(pci.freeSlot(), 0, f);
    expect(pci.function(1)).toBe(f);
    setCfg(1, 0, 0x10, 4, 0xffffffff);
    setCfg(1, 0, 0x14, 4, 0xffffffff);
    expect(cfg(1, 0, 0x10)).toBe(0xffffffe1);
    expect(cfg(1, 0, 0x14)).toBe(0xfffff000);
    setCfg(1, 0, 0x14, 4, 0xfebf1234);
    expect(f.barAddress(1)).toBe(0xfebf1000);
    expect(cfg(1, 0, PCI.INTERRUPT_PIN, 1)).toBe(1);
    setCfg(1, 0, PCI.STATUS, 2, 0x8000);
    expect(cfg(1, 0, PCI.STATUS, 2)).toBe(0x0010);
    expect(() => pci.add(1, 0, f)).toThrow(/already taken by test/);
    expect(() => f.bar(2, 24, 'mem32')).toThrow(/power of two/);
  });

  it('0xCF9: a write with bit 2 resets the system', () => {
    const { pci, resets } = rig();
    pci.ioWrite(1, 1, 0x02);
    expect(resets()).toBe(0);
    pci.ioWrite(1, 1, 0x06);
    expect(resets()).toBe(1);
    expect(pci.ioRead(1, 1)).toBe(0x02);
  });

  it('restores an identical host, configuration spaces included', () => {
    const { pci, setCfg } = rig();
    setCfg(0, 0, PCI.COMMAND, 2, 0x7);
    const copy = new PciHost();
    copy.loadState(JSON.parse(JSON.stringify(pci.saveState())));
    expect(copy.saveState()).toEqual(pci.saveState());
    expect(copy.hostBridge.get(PCI.COMMAND, 2)).toBe(7);
    expect(() => copy.loadState({ address: 0, resetControl: 0, functions: {} })).toThrow(/00:00.0/);
  });
});
