export { Pit8254, PIT_PORT, PIT_HZ, type PitOptions } from './pit.js';
export { SystemControlPort, PORT61 } from './port61.js';
