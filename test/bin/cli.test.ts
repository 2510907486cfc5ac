import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOneLine, runBin, useBin } from '../support/bin.ts';

/** The CLI through the real bin: its flags, its help, and one line for each mistake. */

const bin = useBin();

describe.concurrent('the CLI through the bin', () => {
  it('export --out into a missing folder, or onto a folder, is one line', async () => {
    const db = bin.env().DATABASE_PATH as string;
    const missing = join(bin.dir(), 'no', 'such', 'out.csv');
    expectOneLine(
      await runBin(
        ['export', 'escalations', '--from', '2026-11-01', '--to', '2026-11-30', '--out', missing],
        bin.env({ DATABASE_PATH: db }),
      ),
      1,
      `patchbot export escalations: --out ${missing}: no such file or folder`,
    );
    mkdirSync(join(bin.dir(), 'a-folder'), { recursive: true });
    expectOneLine(
      await runBin(
        [
          'export',
          'escalations',
          '--from',
          '2026-11-01',
          '--to',
          '2026-11-30',
          `--out=${join(bin.dir(), 'a-folder')}`,
        ],
        bin.env({ DATABASE_PATH: db }),
      ),
      1,
      `patchbot export escalations: --out ${join(bin.dir(), 'a-folder')}: is a folder, not a file`,
    );
  });

  it('start --help prints help and does not start', async () => {
    const r = await runBin(['start', '--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Usage: patchbot start');
  });

  it('an unknown flag is refused, not ignored', async () => {
    expectOneLine(
      await runBin(['start', '--prot', '3000'], bin.env()),
      2,
      'patchbot start: unknown option --prot (see `patchbot start --help`)',
    );
  });
});
