// Two VMs exchange packets over virtio-net through the host: Debian's stock kernel boots twice in
// one Linux host shim (ACPI, APIC platform and PCI on, as by default), each VM loads the virtio
// modules and configures a static address on eth0; vm-a pings vm-b and sends it a line over TCP
// (busybox nc), vm-b prints what it received. The same network has the host's user-mode NAT, and
// vm-a also talks to a TCP service on the host's loopback through the gateway 10.0.2.2. Frames
// between the VMs cross the host's switch on virtual time; the host service answers on the wall
// clock. Two kernel boots: minutes.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_APPLETS, initramfsWithBusybox } from '@serval/guest-tools';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';
import { debianFile } from './debian.js';
import { tmp } from './tools.js';

const BOOT = debianFile('linux-image', 'boot');
const MODULES = debianFile('linux-image', 'lib/modules');
const BUSYBOX = debianFile('busybox-static', 'bin/busybox');
const MINUTES = 60_000;
/** In load order (each after what its modinfo "depends=" names). */
const MODS = [
  'drivers/virtio/virtio_ring', 'drivers/virtio/virtio', 'drivers/virtio/virtio_pci_legacy_dev', 'drivers/virtio/virtio_pci_modern_dev',
  'drivers/virtio/virtio_pci', 'net/core/failover', 'drivers/net/net_failover', 'drivers/net/virtio_net',
];
const APPEND = 'console=ttyS0 quiet cryptomgr.notests nokaslr mitigations=off tsc=reliable no_timer_check lpj=10000000';
const PAYLOAD = 'hello from vm-a over virtio-net';

const setup = (ip: string) => `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
for m in ${MODS.map((m) => m.split('/').pop()).join(' ')}; do insmod /lib/$m.ko || echo "insmod $m failed"; done
ip link set lo up
ip addr add ${ip}/24 dev eth0
ip link set eth0 up
echo "eth0 $(cat /sys/class/net/eth0/address) carrier $(cat /sys/class/net/eth0/carrier)"
`;
const initA = (hostPort: number) => `${setup('10.0.2.15')}ping -c 2 10.0.2.16
until echo "${PAYLOAD}" | nc 10.0.2.16 5000; do sleep 1; done
echo sent
echo "vm-a asks the host" | nc 10.0.2.2 ${hostPort} > /tmp/reply
echo "host replied: $(cat /tmp/reply)"
poweroff -f
`;
const INIT_B = `${setup('10.0.2.16')}nc -l -p 5000 > /tmp/got
echo "vm-b received: $(cat /tmp/got)"
poweroff -f
`;

function pc(mac: string) {
  return [
    { id: 'pic', class: 'pic8259' }, { id: 'ioapic', class: 'ioapic' }, { id: 'lapic', class: 'lapic' }, { id: 'hpet', class: 'hpet' },
    { id: 'pm', class: 'acpi-pm' }, { id: 'pci', class: 'pci' }, { id: 'pit', class: 'pit8254' }, { id: 'rtc', class: 'rtc' },
    { id: 'kbc', class: 'i8042' }, { id: 'post', class: 'port80' }, { id: 'com1', class: 'uart16550' },
    { id: 'net0', class: 'virtio-net', options: { network: 'lan', mac } },
  ];
}

/** Runs the CLI without blocking this process's event loop (the host service answers from it). */
function servalAsync(args: string[], cwd: string, timeoutMs: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(join(ROOT, 'serval'), args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    p.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

describe.skipIf(!BOOT || !MODULES || !BUSYBOX)('virtio-net: two Linux VMs on one host', () => {
  it('vm-a pings vm-b and sends it a line over TCP through the host switch, and reaches a host loopback service through the NAT', async () => {
    // The host service: greets, and records the line the guest sends.
    const heard: string[] = [];
    const server = createServer((s) => {
      s.setEncoding('utf8');
      let line = '';
      s.on('data', (d: string) => {
        line += d;
        if (line.includes('\n')) { heard.push(line.trim()); s.end('greetings from the host loopback\n'); }
      });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const hostPort = (server.address() as { port: number }).port;
    try {
      const dir = tmp('serval-virtio-net-');
      const kver = readdirSync(MODULES!)[0];
      const kdir = join(MODULES!, kver, 'kernel');
      const busybox = readFileSync(BUSYBOX!);
      const extra = [
        { path: 'lib', type: 'dir' as const },
        ...MODS.map((m) => ({ path: `lib/${m.split('/').pop()}.ko`, type: 'file' as const, data: readFileSync(join(kdir, `${m}.ko`)) })),
      ];
      for (const [k, mac, init] of [['a', '52:54:00:00:00:0a', initA(hostPort)], ['b', '52:54:00:00:00:0b', INIT_B]] as const) {
        const initrd = join(dir, `${k}.cpio`);
        writeFileSync(initrd, initramfsWithBusybox(busybox, init, { applets: [...DEFAULT_APPLETS, 'ip', 'nc', 'ping'], extra }));
        writeFileSync(join(dir, `${k}.json`), JSON.stringify({
          name: `vm-${k}`, memory: '128M', devices: pc(mac),
          kernel: { path: join(BOOT!, `vmlinuz-${kver}`), format: 'pvh', initrd, cmdline: APPEND },
        }));
      }
      // vm-b's console streams; vm-a's is printed after vm-b stops (both at once would
      // interleave). vm-a may have powered off by then ("try wait" reports that it is not running).
      const r = await servalAsync(['host', 'v3', '--host-cores', '3', '--host-memory', '1G', '--net-nat', 'lan',
        'create', 'a.json', '+', 'create', 'b.json', '+', 'launch', '0', '+', 'launch', '1', '+', 'cons', '1', '+', 'wait', '1', '600000',
        '+', 'cons', '0', '+', 'try', 'wait', '0', '600000', '+', 'inspect', '0'], dir, 40 * MINUTES);
      expect(r.stderr).toBe('');
      const [b, a] = r.stdout.split('vm1 stopped:');
      expect(a, r.stdout).toBeDefined();
      // Each guest found its NIC with the configured MAC and the link up.
      expect(b).toContain('eth0 52:54:00:00:00:0b carrier 1');
      expect(a).toContain('eth0 52:54:00:00:00:0a carrier 1');
      // vm-a's pings were answered, and vm-b got the line.
      expect(a).toMatch(/2 packets transmitted, 2 packets received, 0% packet loss/);
      expect(b).toContain(`vm-b received: ${PAYLOAD}`);
      expect(a).toContain('\nsent');
      expect(r.stdout).toContain('vm1 stopped: guest exit status 0');
      // Through the NAT: the host service heard vm-a, and vm-a got its answer.
      expect(heard).toEqual(['vm-a asks the host']);
      expect(a).toContain('host replied: greetings from the host loopback');
      expect(a).toMatch(/vm0 vm-a stopped \(guest-exit 0\)/);
      expect(r.stdout).not.toMatch(/insmod \w+ failed/);
    } finally {
      server.close();
    }
  }, 45 * MINUTES);
});
