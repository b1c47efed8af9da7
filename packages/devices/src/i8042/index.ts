export { I8042, I8042_DATA_PORT, I8042_COMMAND_PORT, type I8042Options } from './i8042.js';
