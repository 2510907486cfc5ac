import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshBuild, portOf, ROOT, spawnBin, waitForHttp } from './support/bin.ts';
import { startFakeSlackHttp } from './support/slack/http.ts';

/**
 * The production build: `tsc -p tsconfig.build.json` plus the migrations beside the compiled db/, as
 * `npm run build` makes it. The dist/ that `npm ci` built when it is newer than its sources; otherwise
 * a build into a scratch folder inside the project (so the project's node_modules and package.json
 * apply). It must start, serve /healthz and stop on SIGTERM, and import nothing a production install
 * leaves out.
 */

let out: string;
let scratch = false;
let stub: Awaited<ReturnType<typeof startFakeSlackHttp>>;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

beforeAll(async () => {
  stub = await startFakeSlackHttp();
  const fresh = freshBuild();
  if (fresh) {
    out = fresh;
    return;
  }
  out = mkdtempSync(join(ROOT, '.build-test-'));
  scratch = true;
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
      '--outDir',
      out,
    ],
    { cwd: ROOT, stdio: 'pipe' },
  );
  cpSync(join(ROOT, 'db', 'migrations'), join(out, 'db', 'migrations'), { recursive: true });
}, 180_000);
afterAll(async () => {
  await stub?.close();
  if (scratch) rmSync(out, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the compiled build', () => {
  it('holds only production code: src/ and db/, no tests, nothing imported from a dev dependency', () => {
    const files = filesUnder(out).map((f) => relative(out, f));
    expect(files.some((f) => f.startsWith('test'))).toBe(false);
    expect(files).toContain(join('src', 'bin.js'));
    expect(files).toContain(join('db', 'migrations', 'meta', '_journal.json'));
    const bare = new Set<string>();
    for (const f of files.filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(join(out, f), 'utf8');
      const specs = [
        ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*'([^'.][^']*)'/gm),
        ...text.matchAll(/\bimport\(\s*'([^'.][^']*)'\s*\)/g),
      ];
      for (const m of specs) {
        const spec = m[1] as string;
        if (spec.startsWith('node:')) continue;
        bare.add(
          spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string),
        );
      }
    }
    expect(bare.size).toBeGreaterThan(3);
    for (const name of bare)
      expect(Object.keys(pkg.dependencies), `${name} is imported by the build`).toContain(name);
    for (const dev of ['msw', 'tsx', 'vitest', 'typescript']) {
      expect(Object.keys(pkg.dependencies)).not.toContain(dev);
      expect(bare.has(dev)).toBe(false);
    }
  });

  it('runs from any working directory: imports a roster, starts, serves /healthz, exits 0 on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'patchbot-cwd-'));
    try {
      const env = {
        SLACK_BOT_TOKEN: 'xoxb-1-2-build',
        SLACK_SIGNING_SECRET: 'build-test-secret',
        SLACK_API_URL: stub.apiUrl,
        DATABASE_PATH: join(cwd, 'data', 'patchbot.db'),
        PORT: '0',
      };
      const bin = join(out, 'src', 'bin.js');
      const imported = execFileSync(
        process.execPath,
        [bin, 'import', join(ROOT, 'test', 'fixtures', 'team.yml')],
        {
          cwd,
          env: { PATH: process.env.PATH, ...env },
        },
      ).toString();
      expect(imported).toMatch(/^Imported .*team\.yml: Roster imported: /);
      const bot = spawnBin(['start'], env, [bin]);
      const port = await portOf(bot.output);
      const res = await waitForHttp(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      bot.child.kill('SIGTERM');
      expect(await bot.exited).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
