export { Pic8259, PIC_MASTER_PORT, PIC_SLAVE_PORT, PIC_ELCR_PORT, PIC_CASCADE_IR, type PicOptions } from './pic.js';
