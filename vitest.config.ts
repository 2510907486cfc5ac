import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Flow tests start a real HTTP receiver; a slow, busy machine must not fail them on time.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
