import { defineConfig } from 'vitest/config';

// Every package tests its sources directly: the `source` export condition resolves workspace
// imports to src/index.ts, so tests never wait for (or run against a stale) build.
export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts', '*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
