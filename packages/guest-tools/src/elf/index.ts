export { parseElf64, elfNotes, isElf } from './parse.js';
export { buildElf64, type ElfSpec, type SegmentSpec } from './write.js';
export { PT, PF, ET, EM_X86_64, type Elf64, type ElfNote, type ProgramHeader } from './types.js';
