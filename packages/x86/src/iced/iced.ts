// The one place that loads iced-x86. Everything else reads the enums re-exported here (plain
// numbers) or the plain-JS IR built by decode.ts; nothing on the execution path calls into wasm.
import * as IcedModule from 'iced-x86';

export const iced = IcedModule;

export const Code = iced.Code;
export const Mnemonic = iced.Mnemonic;
export const Register = iced.Register;
export const OpKind = iced.OpKind;
export const ConditionCode = iced.ConditionCode;
export const FlowControl = iced.FlowControl;
export const RflagsBits = iced.RflagsBits;
export const MemorySize = iced.MemorySize;
export const OpCodeOperandKind = iced.OpCodeOperandKind;

export type IcedInstruction = IcedModule.Instruction;
