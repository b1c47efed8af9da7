export { PostPort, POST_PORT, type PostPortOptions } from './port80.js';
