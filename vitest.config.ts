import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start lab servers on ephemeral loopback ports; keep them in separate
    // forks so one file's sockets never leak into another's.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
