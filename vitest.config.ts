import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * `npm test` runs the suite under two host zones (the host's zone must play no part). The second run
 * (`SECOND_ZONE=1`) keeps every test that turns instants into local days and times (models, views,
 * flows, exports, the report) and leaves out what no host zone can reach: the tests that drive whole
 * processes (the bin, the build, the SIGKILL test, the CLI's bin runs: their time rules are the code
 * the in-process tests cover under both zones), the fuzz suites (inputs, not clocks), delivery and
 * request handling in slack/ (instants only, never a local time), text and logs, the Slack stand-in's
 * own tests, and the static checks of the manifest and the import graph.
 */
const secondZone = process.env.SECOND_ZONE === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: secondZone
      ? [
          'test/bin/**',
          'test/build.test.ts',
          'test/alerts/sigkill.test.ts',
          'test/*/cli.test.ts',
          'test/fuzz/**',
          'test/**/fuzz.test.ts',
          'test/slack/**',
          'test/support/**',
          'test/text.test.ts',
          'test/privacy.test.ts',
          'test/manifest.test.ts',
          'test/architecture.test.ts',
        ]
      : [],
    environment: 'node',
    // Test files share their workers' module graph: each file builds its own database, bot and Slack
    // stand-in, so nothing is carried from one file to the next but loaded code (about half the time).
    isolate: false,
    // Flow tests spend much of their time waiting on sockets and child processes: more files than cores.
    maxWorkers: Math.max(2, availableParallelism() * 2),
    // Flow tests start a real HTTP receiver; a slow, busy machine must not fail them on time.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
