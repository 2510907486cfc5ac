import { writeFileSync } from 'node:fs';
import { Fatal, fsProblem } from './fatal.ts';

/**
 * Where a CLI export goes: to `--out FILE` (then one line on stderr says what was written), or to
 * stdout. A file that cannot be written is one line naming it and why.
 */
export function writeOutput(
  io: { out: (s: string) => void; err: (s: string) => void },
  out: string | undefined,
  text: string,
  what: string,
): number {
  if (out === undefined) {
    io.out(text.replace(/\r?\n$/, ''));
    return 0;
  }
  try {
    writeFileSync(out, text);
  } catch (err) {
    throw new Fatal(`--out ${out}: ${fsProblem(err)}`);
  }
  io.err(`Wrote ${what} to ${out}`);
  return 0;
}
