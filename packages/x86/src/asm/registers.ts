// Register names as NASM spells them, mapped to iced registers. Built from iced's own register
// list so every register iced can encode (cr8, xmm15, r15b, ...) is reachable by name.
import { iced, Register } from '../iced/iced.js';

export type RegClass = 'gpr' | 'seg' | 'cr' | 'dr' | 'tr' | 'st' | 'mm' | 'xmm' | 'ymm' | 'zmm' | 'k' | 'bnd' | 'ip';

export interface RegInfo {
  name: string;
  reg: number;
  cls: RegClass;
  /** Size in bytes (GPRs: 1/2/4/8). */
  size: number;
  /** AH/CH/DH/BH: unusable together with a REX prefix. */
  high8: boolean;
}

let byName: Map<string, RegInfo> | undefined;

function classify(reg: number): RegClass | undefined {
  const X = iced.RegisterExt;
  if (X.isGPR(reg)) return 'gpr';
  if (X.isSegmentRegister(reg)) return 'seg';
  if (X.isCR(reg)) return 'cr';
  if (X.isDR(reg)) return 'dr';
  if (X.isTR(reg)) return 'tr';
  if (X.isST(reg)) return 'st';
  if (X.isMM(reg)) return 'mm';
  if (X.isXMM(reg)) return 'xmm';
  if (X.isYMM(reg)) return 'ymm';
  if (X.isZMM(reg)) return 'zmm';
  if (X.isK(reg)) return 'k';
  if (X.isBND(reg)) return 'bnd';
  if (X.isIP(reg)) return 'ip';
  return undefined;
}

function table(): Map<string, RegInfo> {
  if (byName) return byName;
  const m = new Map<string, RegInfo>();
  for (const [key, reg] of Object.entries(Register)) {
    if (typeof reg !== 'number') continue;
    const cls = classify(reg);
    if (!cls) continue;
    const name = key.toLowerCase();
    const info: RegInfo = {
      name, reg, cls, size: iced.RegisterExt.size(reg),
      high8: reg === Register.AH || reg === Register.CH || reg === Register.DH || reg === Register.BH,
    };
    m.set(name, info);
    // iced says r8l; NASM says r8b (and accepts r8l too).
    if (/^r\d+l$/.test(name)) m.set(name.slice(0, -1) + 'b', info);
  }
  m.set('st', m.get('st0')!);
  byName = m;
  return m;
}

export function lookupRegister(name: string): RegInfo | undefined {
  return table().get(name.toLowerCase());
}

export function isRegisterName(name: string): boolean {
  return table().has(name.toLowerCase());
}
