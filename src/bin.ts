#!/usr/bin/env node
// The `patchbot` command (`npx patchbot …`, `npm start`). Compiled to dist/src/bin.js by `npm run build`.
import { runCli } from './cli.ts';

const code = await runCli(process.argv.slice(2));
// A failed command may leave a handle open (a half-started Slack connection): exit rather than hang.
if (code !== 0) process.exit(code);
