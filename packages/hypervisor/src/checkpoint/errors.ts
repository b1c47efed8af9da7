import { ServalError } from '@serval/x86';

/**
 * A checkpoint that cannot be written or loaded. Codes: CKPT_TRUNCATED, CKPT_NOT_A_CHECKPOINT,
 * CKPT_VERSION, CKPT_CHECKSUM, CKPT_CORRUPT (valid checksum, impossible contents), CKPT_MISMATCH
 * (made by a differently configured VM), CKPT_VM_STATE (the VM cannot be saved or loaded now),
 * CKPT_NO_FILES (the host cannot store files), CKPT_CPU_BUSY.
 */
export class CheckpointError extends ServalError {}
