// The exit status of `serval run` when the program cannot be started, as a shell reports it, so
// scripts that call serval in place of the program see what they would see natively: 127 when the
// program does not exist, 126 when it exists but cannot be executed (not a static x86-64 ELF,
// truncated, a directory, no permission). A program that starts and dies of a signal exits with
// 128 + the signal (139 for SIGSEGV), as from a shell; qemu-x86_64 gives 1 for all of the former.
import { ImageError } from '@serval/guest-tools';
import { LwkError } from '@serval/lwk';
import type { ServalError } from '@serval/x86';
import { FileError } from './host-io.js';

export const NOT_FOUND = 127;
export const NOT_EXECUTABLE = 126;

export function startFailureStatus(e: ServalError): number | undefined {
  if (e instanceof FileError && e.code === 'CANNOT_READ') {
    return (e.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? NOT_FOUND : NOT_EXECUTABLE;
  }
  if (e instanceof ImageError) return NOT_EXECUTABLE;
  if (e instanceof LwkError && e.code === 'DYNAMIC_PROGRAM') return NOT_EXECUTABLE;
  return undefined;
}
