export { Uart16550, type UartOptions } from './uart.js';
/** Standard PC COM port bases and IRQs. */
export const COM_PORTS = [
  { base: 0x3f8, irq: 4 }, { base: 0x2f8, irq: 3 }, { base: 0x3e8, irq: 4 }, { base: 0x2e8, irq: 3 },
] as const;
