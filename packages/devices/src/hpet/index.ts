export { Hpet, HPET_BASE, HPET_HZ, HPET_PERIOD_FS, HPET_ROUTE_CAP, HPET_VENDOR, type HpetOptions } from './hpet.js';
