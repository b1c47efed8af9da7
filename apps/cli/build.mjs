// Bundles the CLI into one self-contained CommonJS file. iced-x86 loads its .wasm with
// readFileSync(__dirname/...), which breaks once bundled; the plugin swaps that read for the
// wasm bytes embedded in the bundle, so dist/serval.cjs runs from any directory.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

const inlineIcedWasm = {
  name: 'inline-iced-wasm',
  setup(b) {
    b.onLoad({ filter: /iced-x86[\\/]iced_x86\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      const from = /const path = require\('path'\)\.join\(__dirname, 'iced_x86_bg\.wasm'\);\s*const bytes = require\('fs'\)\.readFileSync\(path\);/;
      if (!from.test(src)) throw new Error('iced-x86 no longer loads its wasm the expected way; update build.mjs');
      return { contents: src.replace(from, "const bytes = require('./iced_x86_bg.wasm');"), loader: 'js' };
    });
  },
};

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/serval.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  conditions: ['source'],
  loader: { '.wasm': 'binary' },
  plugins: [inlineIcedWasm],
  banner: { js: '#!/usr/bin/env node' },
  sourcemap: 'linked',
  logLevel: 'warning',
});
