import { ServalError } from '@serval/x86';

/** A malformed, truncated or unsupported image (ELF, bzImage, cpio, ...). */
export class ImageError extends ServalError {}
