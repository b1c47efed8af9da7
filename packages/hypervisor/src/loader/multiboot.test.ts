import { buildElf64, buildMultibootKernel, MBH, MBI, MULTIBOOT_BOOTLOADER_MAGIC } from '@serval/guest-tools';
import { assemble, PhysicalMemory, SEG } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { Hypervisor } from '../hypervisor.js';
import { TestHost } from '../test-host.js';
import { bootMultiboot, loadMultibootKernel, MB_INFO } from './multiboot.js';

// Prints what the loader handed over: EAX, the info flags, memory sizes, the memory map, the
// command line and the loader's name, then the boot segments and CR0, all from inside the guest.
const REPORT = `
start:  mov esp, stack_top
        pushfd                      ; the flags at entry, printed last
        mov ebp, ebx
        call hex                    ; eax: the loader's magic
        mov eax, [ebp]
        call hex                    ; info flags
        mov eax, [ebp+4]
        call hex                    ; mem_lower
        mov eax, [ebp+8]
        call hex                    ; mem_upper
        call nl
        mov esi, [ebp+48]           ; memory map
        mov edi, esi
        add edi, [ebp+44]
.mm:    cmp esi, edi
        jae .mmdone
        mov eax, [esi+4]
        call hex
        mov eax, [esi+12]
        call hex
        mov eax, [esi+20]
        call hex
        call nl
        add esi, [esi]
        add esi, 4
        jmp .mm
.mmdone:
        mov esi, [ebp+16]
        call puts
        call nl
        mov esi, [ebp+64]
        call puts
        call nl
        mov eax, cs
        call hex
        mov eax, ss
        call hex
        mov eax, cr0
        call hex
        pop eax
        call hex
        call nl
        mov al, 3
        out 0xf4, al
        hlt

putc:   mov dx, 0x3f8
        out dx, al
        ret
puts:   lodsb
        test al, al
        jz .e
        call putc
        jmp puts
.e:     ret
nl:     mov al, 10
        jmp putc
hex:    mov ecx, 8
.d:     rol eax, 4
        push eax
        and al, 15
        add al, '0'
        cmp al, '9'
        jbe .p
        add al, 7
.p:     call putc
        pop eax
        loop .d
        mov al, ' '
        jmp putc
        align 16
        times 256 db 0
stack_top:
`;

function boot(image: Uint8Array, format: 'auto' | 'multiboot' = 'auto', cmdline = 'console=ttyS0 quiet') {
  const host = new TestHost();
  host.files.set('k', image);
  const vm = new Hypervisor(host).createVm({
    name: 'mb', memory: '32M', kernel: { path: 'k', format, cmdline },
    devices: [{ id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' }],
  });
  vm.launch();
  host.node.run({ stop: () => vm.state !== 'running', untilNs: 1e9 });
  return { out: host.text('mb.com1'), vm };
}

const EXPECTED = [
  `2BADB002 ${(MBI.MEMORY | MBI.CMDLINE | MBI.MMAP | MBI.LOADER_NAME).toString(16).toUpperCase().padStart(8, '0')} 00000280 00007C00 `,
  '00000000 000A0000 00000001 ',
  '000A0000 00060000 00000002 ',
  '00100000 01F00000 00000001 ',
  'console=ttyS0 quiet',
  'Serval hypervisor',
  '00000008 00000010 00000011 00000002 ',
  '',
].join('\n');

describe('multiboot boot', () => {
  it('boots an ELF32 kernel in flat 32-bit protected mode with the boot information', () => {
    const { out, vm } = boot(buildMultibootKernel({ source: REPORT }).image);
    expect(out).toBe(EXPECTED);
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 3 });
  });

  it('boots a flat image by its header\'s address fields, zeroing the BSS', () => {
    const k = buildMultibootKernel({ source: REPORT, format: 'flat', loadAddr: 0x200000, bssSize: 8192 });
    const { out, vm } = boot(k.image, 'multiboot');
    expect(out).toBe(EXPECTED);
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 3 });
  });

  it('keeps ELF64 direct boot for images without a multiboot header', () => {
    const { bytes } = assemble('mov al, 9\nout 0xf4, al\nhlt', { bitness: 64, origin: 0x100000 });
    const { vm } = boot(buildElf64({ entry: 0x100000, segments: [{ vaddr: 0x100000, bytes }] }));
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 9 });
  });
});

describe('multiboot loader', () => {
  const mem = () => ({ mem: new PhysicalMemory(8 << 20), hostBase: 0x100000, size: 4 << 20 });

  it('places the image and the info structure at guest-physical addresses and sets the boot state', () => {
    const g = mem();
    g.mem.fill(0, g.mem.size, 0xcc);
    const k = buildMultibootKernel({ source: 'start: nop\nhlt\n', format: 'flat', bssSize: 100 });
    const r = loadMultibootKernel(k.image, g, 'k', '');
    expect(r.entry).toBe(k.entry);
    expect(r.segments).toEqual([{ gpa: 0x100000, size: k.bssEnd - 0x100000 }]);
    expect(g.mem.read(g.hostBase + 0x100000, k.image.length)).toEqual(k.image);
    expect(g.mem.read(g.hostBase + k.loadEnd, 100).every((b) => b === 0)).toBe(true);
    expect(g.mem.readU32(g.hostBase + k.bssEnd)).toBe(0xcccccccc);
    expect(r.infoAddr).toBe(MB_INFO);
    expect(g.mem.readU32(g.hostBase + MB_INFO + 8)).toBe(3072);
    // An empty command line is still a valid (empty) string.
    const cmd = g.mem.readU32(g.hostBase + MB_INFO + 16);
    expect(g.mem.read(g.hostBase + cmd, 1)[0]).toBe(0);

    const host = new TestHost(1, 16 << 20);
    const cpu = host.node.cores[0].cpu;
    bootMultiboot(cpu, g, r.entry, r.infoAddr);
    const s = cpu.state;
    expect(s.get32(0)).toBe(MULTIBOOT_BOOTLOADER_MAGIC);
    expect(s.get32(3)).toBe(MB_INFO);
    expect(s.bitness).toBe(32);
    expect(s.cr0 & 0x80000001).toBe(1);
    expect(s.getRflags() & 0x20200).toBe(0);
    expect([s.segBase[SEG.CS], s.segLimit[SEG.CS], s.segBase[SEG.SS], s.segLimit[SEG.DS]]).toEqual([0, 0xffffffff, 0, 0xffffffff]);
  });

  it('refuses images it cannot boot, saying why', () => {
    const g = mem();
    expect(() => loadMultibootKernel(new Uint8Array(100), g, 'k', '')).toThrow('k has no multiboot header in its first 8 KiB');
    const video = buildMultibootKernel({ source: 'start: hlt', flags: MBH.VIDEO_MODE }).image;
    expect(() => loadMultibootKernel(video, g, 'k', '')).toThrow('flags 0x4 (a video mode');
    const high = buildMultibootKernel({ source: 'start: hlt', loadAddr: 0x3ff000, bssSize: 0x2000 }).image;
    expect(() => loadMultibootKernel(high, g, 'k', '')).toThrow('outside guest RAM');
    const low = buildMultibootKernel({ source: 'start: hlt', format: 'flat', loadAddr: 0x8000 }).image;
    expect(() => loadMultibootKernel(low, g, 'k', '')).toThrow('guest-physical 0x8000+');
  });
});
