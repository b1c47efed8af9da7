// An interrupt that becomes pending while the guest has interrupts off (here a self IPI) must be
// taken as soon as STI opens the window, also when the guest then spins in a loop the JIT has
// already compiled as a hot one-block loop. (It used to wait for the end of the vCPU's budget — a
// quantum — once the loop was warm, so a restored VM, whose code is cold, took it earlier.)
import { buildMultibootKernel } from '@serval/guest-tools';
import { describe, expect, it } from 'vitest';
import { Hypervisor } from './hypervisor.js';
import { TestHost } from './test-host.js';

const ROUNDS = 6;

const SOURCE = String.raw`
bits 32
LAPIC equ 0xfee00000
start:  mov esp, 0x80000
        mov eax, handler
        mov [idt + 0x41 * 8], ax
        mov word [idt + 0x41 * 8 + 2], 0x08
        mov word [idt + 0x41 * 8 + 4], 0x8e00
        shr eax, 16
        mov [idt + 0x41 * 8 + 6], ax
        lidt [idtr]
        mov dword [LAPIC + 0xf0], 0x1ff
        xor edi, edi
.round: cli
        mov byte [flag], 0
        mov dword [LAPIC + 0x310], 0
        mov dword [LAPIC + 0x300], 0x00040041
        mov ecx, 1000000
        sti
.spin:  cmp byte [flag], 0
        jne .got
        dec ecx
        jnz .spin
.got:   mov eax, 1000000
        sub eax, ecx
        mov [spins + edi * 4], eax
        inc edi
        cmp edi, ${ROUNDS}
        jne .round
        mov al, 0
        out 0xf4, al
        cli
        hlt
handler:
        mov byte [flag], 1
        mov dword [LAPIC + 0xb0], 0
        iretd
; The data lives on its own page: a write to a page holding code would discard its compiled
; blocks, and the loop would never be warm.
align 4096
flag:   dd 0
spins:  times ${ROUNDS} dd 0
idtr:   dw 0x41 * 8 + 7
        dd idt
align 8
idt:    times 0x42 * 8 db 0
`;

describe('interrupt window', () => {
  it('a self IPI sent with interrupts off is taken right after STI, in cold and warm spin loops alike', () => {
    const k = buildMultibootKernel({ source: SOURCE });
    const host = new TestHost();
    host.files.set('k.elf', k.image);
    const vm = new Hypervisor(host).createVm({
      name: 'w', memory: '16M', kernel: { path: 'k.elf' }, devices: [{ id: 'lapic', class: 'lapic' }, { id: 'exit', class: 'debug-exit' }],
    });
    vm.launch();
    host.node.run({ stop: () => vm.state !== 'running' });
    expect(vm.stopReason).toEqual({ kind: 'guest-exit', status: 0 });
    const spins = Array.from({ length: ROUNDS }, (_, i) => vm.memory.mem.readU32(vm.memory.hostBase + k.labels.get('spins')! + 4 * i));
    // The IPI lands right after STI's shadow: in the loop's first pass.
    expect(spins).toEqual(Array(ROUNDS).fill(1));
    expect(vm.instructions).toBeLessThan(1000);
  });
});
