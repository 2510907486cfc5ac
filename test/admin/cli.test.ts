import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { runBin } from '../support/bin.ts';

/** `patchbot roster export [--out FILE]`, in process and as the real bin: importing what it writes changes nothing. */

const FULL = join(import.meta.dirname, 'fixtures', 'full.yml');

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (s) => out.push(...s.split('\n')),
    err: (s) => err.push(...s.split('\n')),
  });
  return { code, out, err };
}

let dir: string;
const saved = process.env.DATABASE_PATH;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbot-roster-export-'));
  process.env.DATABASE_PATH = join(dir, 'patchbot.db');
});
afterEach(() => {
  if (saved === undefined) delete process.env.DATABASE_PATH;
  else process.env.DATABASE_PATH = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('patchbot roster export', () => {
  it('writes the roster to stdout, or to --out FILE saying so on stderr; importing it changes nothing', async () => {
    expect((await cli('import', FULL)).code).toBe(0);
    const shown = await cli('roster', 'export');
    expect(shown.code).toBe(0);
    expect(shown.err).toEqual([]);
    expect(shown.out[0]).toMatch(/^# patchbot roster export, \d{4}-\d\d-\d\dT/);
    expect(shown.out).toContain('timezone: Europe/London');
    const file = join(dir, 'exported.yml');
    const written = await cli('roster', 'export', '--out', file);
    expect(written).toEqual({
      code: 0,
      out: [],
      err: [`Wrote the roster (2 patches, 2 clients, 3 visit plans) to ${file}`],
    });
    expect(readFileSync(file, 'utf8')).toContain('channel: new');
    const again = await cli('import', file);
    expect(again.code).toBe(0);
    expect(again.out[0]).toContain('Nothing changed: the database already matches the roster');
  });

  it('refuses, in one line, a database with no set-up; and is listed in help with --help of its own', async () => {
    expect(await cli('roster', 'export')).toEqual({
      code: 1,
      out: [],
      err: ['patchbot roster export: the database has no set-up yet: import a roster first'],
    });
    expect((await cli('help')).out.some((l) => l.trimStart().startsWith('roster export [--out FILE]'))).toBe(
      true,
    );
    const help = await cli('roster', 'export', '--help');
    expect(help.code).toBe(0);
    expect(help.out[0]).toBe('Usage: patchbot roster export [--out FILE]');
    expect(await cli('roster')).toMatchObject({
      code: 2,
      err: ['patchbot roster: say which: export (see `patchbot help`)'],
    });
  });

  it('the real bin: import, roster export --out, import again says nothing changed', async () => {
    const env = { DATABASE_PATH: join(dir, 'bin.db') };
    const file = join(dir, 'bin-export.yml');
    expect((await runBin(['import', FULL], env)).code).toBe(0);
    const exported = await runBin(['roster', 'export', '--out', file], env);
    expect(exported).toMatchObject({ code: 0, stdout: '' });
    expect(exported.stderr).toContain(`Wrote the roster (2 patches, 2 clients, 3 visit plans) to ${file}`);
    const again = await runBin(['import', file], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      'Nothing changed: the database already matches the roster (2 patches, 2 clients, 3 visit plans).',
    );
  }, 60_000);
});
