// The instruction groups compiled into this engine; importing a group registers it.
// (Each group module calls registerGroup from ops-ext.ts at load time.)
import './simd/index.js';
import './sse-float/index.js';
import './x87/index.js';
import './ops-int-extra.js';
import './ops-seg.js';
export {};
