// 32-bit and 16-bit corpora compared against NASM (nasm.test.ts): protected-mode kernel code
// (segments, far jumps, control registers) and real-mode boot code (16-bit addressing).
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const ALU32 = [
  'al, 0x7f', 'ah, 0xff', 'ax, -129', 'ax, 127', 'eax, 0x12345678', 'ebx, -128', 'esi, 0xffffff80', 'edi, 255',
  'byte [eax], 1', 'word [ebx+ecx*2], -3', 'dword [esp+4], 0x100', '[ebp-4], edx', 'edx, [0x8000]', 'ecx, ebx',
  'bl, [bx+si]', 'cx, dx',
];
const ADDR32 = [
  '[eax]', '[ebp]', '[esp]', '[eax+ebx]', '[ebp+eax]', '[esp+eax*4]', '[eax*8]', '[eax*8+0x10]', '[ebx*2]',
  '[ecx*3]', '[edx*5]', '[esi*9+4]', '[eax+0x7f]', '[eax+0x80]', '[eax-0x80]', '[eax-0x81]', '[0x1000]',
  '[0xfffffff0]', '[data32]', '[data32+2]', '[ebx+data32]', '[edi+esi*8-8]', '[bx]', '[bx+si]', '[bp+di+4]',
  '[bp]', '[si]', '[di+0x100]', 'fs:[eax]', '[gs:0x10]', 'es:[edi]', 'cs:[ebx+4]', 'ss:[ebp]', 'ds:[esp]',
];

export function corpus32(): string[] {
  const out: string[] = [];
  for (const op of ALU) for (const o of ALU32) out.push(`${op} ${o}`);
  for (const a of ADDR32) out.push(`lea eax, ${a}`, `mov cx, ${a}`);
  for (const r of ['eax', 'cx', 'dl', 'dh', 'byte [eax]', 'dword [ebx]', 'word [esi]']) {
    out.push(`inc ${r}`, `dec ${r}`, `neg ${r}`, `not ${r}`, `mul ${r}`, `div ${r}`, `shl ${r}, 1`, `sar ${r}, cl`, `rol ${r}, 4`);
  }
  return out.concat(MISC32, ['data32: dd 0x12345678']);
}

const MISC32 = [
  'mov eax, 0xffffffff', 'mov eax, -1', 'mov al, 0x80', 'mov ax, 0x1234', 'mov eax, [0x1234]', 'mov [0x1234], eax',
  'mov ax, [0x10]', 'mov al, [data32]', 'mov eax, data32', 'mov ebx, data32+4', 'mov dword [eax], data32',
  'mov cr0, eax', 'mov eax, cr0', 'mov cr3, ebx', 'mov cr4, eax', 'mov eax, cr2', 'mov dr0, eax', 'mov ds, ax',
  'mov ss, ax', 'mov es, eax', 'mov ax, cs', 'mov eax, ds', 'mov [eax], fs', 'mov gs, [ebx]',
  'push eax', 'push esi', 'push ax', 'push 0x10', 'push -5', 'push 0x12345', 'push dword [eax]', 'push word [eax]',
  'push cs', 'push ds', 'push es', 'push ss', 'push fs', 'push gs', 'pop ds', 'pop es', 'pop ss', 'pop fs', 'pop gs',
  'pop ebx', 'pop dword [eax]', 'pusha', 'popa', 'pushad', 'popad', 'pushf', 'popf', 'pushfd', 'popfd',
  'lgdt [gdtr32]', 'lidt [eax]', 'ltr ax', 'lldt ax', 'jmp 0x08:pm_entry', 'jmp 0x18:0x100000', 'call 0x10:0x1000',
  'jmp far [eax]', 'call far [ebx+4]', 'jmp dword far [ecx]', 'pm_entry: nop', 'jmp pm_entry', 'jmp near pm_entry',
  'call pm_entry', 'call eax', 'call [eax]', 'call dword [eax]', 'jmp ebx', 'jmp [ebx+8]', 'je pm_entry', 'jne fwd32',
  'jcxz pm_entry', 'jecxz fwd32', 'loop pm_entry', 'loopne fwd32', 'jg far32', 'jmp far32', 'fwd32: ret', 'ret 4',
  'retf', 'retf 8', 'iret', 'iretd', 'iretw', 'leave', 'enter 8, 0', 'int 0x80', 'int3', 'into', 'hlt', 'cli', 'sti',
  'cpuid', 'rdmsr', 'wrmsr', 'rdtsc', 'invlpg [eax]', 'wbinvd', 'clts', 'in al, 0x60', 'in eax, dx', 'out 0x80, al',
  'out dx, ax', 'inc eax', 'dec ecx', 'inc ax', 'dec di', 'aaa', 'aas', 'daa', 'das', 'aam', 'aad', 'salc', 'cbw',
  'cwde', 'cwd', 'cdq', 'xchg eax, ecx', 'xchg ax, dx', 'xchg [eax], bl', 'lock xadd [eax], ebx', 'lock bts dword [eax], 1',
  'movsb', 'movsd', 'rep movsd', 'rep stosb', 'repne scasb', 'repe cmpsd', 'lodsw', 'stosw', 'insw', 'outsd', 'xlatb',
  'movzx eax, byte [esi]', 'movsx ecx, word [eax]', 'movzx ax, bl', 'bswap ebx', 'cmovl eax, [ebx]', 'setne al',
  'imul eax, [ebx], 3', 'imul cx, dx, 1000', 'shld eax, edx, 3', 'bt dword [eax], 5', 'lea esi, [esi+0]',
  'sysenter', 'sysexit', 'lar eax, ax', 'lsl eax, [eax]', 'arpl ax, bx', 'bound eax, [ebx]', 'lds esi, [eax]',
  'les di, [bx]', 'lss esp, [eax]', 'lfs eax, [eax]', 'fld dword [eax]', 'fstp qword [ebx]', 'fild word [bx]',
  'movd xmm0, eax', 'movq xmm1, [eax]', 'addss xmm0, [esp+4]', 'cvtsi2sd xmm0, dword [eax]', 'pxor mm0, mm1',
  'times 130 nop', 'far32: nop', 'gdtr32: dw 23', 'dd 0x1000',
];

export function corpus16(): string[] {
  return [
    'start: cli', 'xor ax, ax', 'mov ds, ax', 'mov es, ax', 'mov ss, ax', 'mov sp, 0x7c00', 'sti', 'mov si, msg',
    'print: lodsb', 'or al, al', 'jz .done', 'mov ah, 0x0e', 'mov bx, 7', 'int 0x10', 'jmp print', '.done: nop',
    'mov ax, [bx]', 'mov ax, [bx+si]', 'mov ax, [bx+di]', 'mov ax, [bp+si]', 'mov ax, [bp+di]', 'mov ax, [si]',
    'mov ax, [di]', 'mov ax, [bp]', 'mov ax, [bx+4]', 'mov ax, [bp-2]', 'mov ax, [si+0x100]', 'mov ax, [di-0x81]',
    'mov ax, [bx+si+0x7f]', 'mov ax, [bp+di-0x80]', 'mov ax, [0x1234]', 'mov al, [0x10]', 'mov [0x20], ax',
    'mov ax, [msg]', 'mov ax, [bx+msg]', 'mov ax, [si+bx]', 'mov ax, [di+bp+2]', 'mov eax, [bx]', 'mov ax, [eax]',
    'mov eax, [ebx+ecx*4]', 'mov ax, es:[di]', 'mov ax, [fs:bx]', 'mov eax, 0x12345678', 'mov eax, cr0',
    'or eax, 1', 'mov cr0, eax', 'lgdt [gdtr16]', 'lidt [bx]', 'jmp 0x08:pm32', 'jmp dword 0x08:pm32', 'jmp 0:start',
    'call far [bx]', 'jmp far [si]', 'call print', 'call near print', 'call ax', 'call [bx]', 'jmp bx', 'jmp [bx+2]',
    'je start', 'jne near start', 'jcxz $', 'loop $-4', 'jmp short $+2', 'jmp far16', 'jl far16', 'push cs',
    'push ds', 'pop es', 'push ax', 'push eax', 'push 0x1234', 'push 5', 'push word [bx]', 'push dword [bx]',
    'pushf', 'popf', 'pushfd', 'pusha', 'popa', 'pushad', 'ret', 'retf', 'ret 2', 'iret', 'iretd', 'int 0x13',
    'in al, 0x92', 'or al, 2', 'out 0x92, al', 'in al, dx', 'out dx, al', 'rep movsb', 'rep movsw', 'rep stosd',
    'cld', 'std', 'lodsw', 'movsd', 'xlatb', 'add ax, 0xffff', 'add al, 200', 'add bx, -1', 'add ebx, 0x10000',
    'sub sp, 8', 'cmp byte [bx], 0', 'inc word [si]', 'dec cx', 'inc ecx', 'imul ax, bx, 3', 'movzx ax, byte [bx]',
    'movzx eax, word [si]', 'lea ax, [bx+si+4]', 'lea eax, [eax*2]', 'xchg ax, bx', 'hlt', 'times 130 nop',
    'far16: nop', 'msg: db "Hello", 13, 10, 0', 'gdtr16: dw 0x17', 'dd 0', 'pm32: nop',
  ];
}
