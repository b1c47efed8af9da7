export { Rtc146818, RTC_PORT, type RtcOptions } from './rtc.js';
export { type MemoryLayout } from './cmos.js';
