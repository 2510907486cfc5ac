#!/usr/bin/env node
// The `patchbot` command. Runs the TypeScript sources directly through tsx, so `npx patchbot …` and
// `npm start` work right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
