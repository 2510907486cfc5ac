// `npm run build`: compile src/ and db/ to dist/ and copy the SQL migrations beside the compiled db/.
// Also run by `prepare` after `npm ci`; without the dev dependencies (`npm ci --omit=dev`) it keeps the
// dist/ that is there, so a production install never needs TypeScript.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  if (process.argv.includes('--if-possible')) {
    if (!existsSync(join(out, 'src', 'bin.js'))) {
      process.stderr.write('patchbot: no dist/ and no TypeScript to build it: run `npm ci` (with dev dependencies), then `npm run build`\n');
    }
    process.exit(0);
  }
  process.stderr.write('patchbot build: TypeScript is not installed: run `npm ci` first\n');
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
} catch {
  process.exit(1);
}
cpSync(join(root, 'db', 'migrations'), join(out, 'db', 'migrations'), { recursive: true });
