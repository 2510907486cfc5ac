import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb } from '../../db/index.ts';
import { clients } from '../../db/schema.ts';
import { runCli } from '../../src/cli.ts';
import { importRoster, importRosterFile, readRosterFile } from '../../src/patches/import.ts';
import { MAX_ALIAS_COUNT, parseRoster, parseRosterBytes, type Roster } from '../../src/patches/roster.ts';

/** Items 6–9 of "Nothing stops the alerts": the roster refuses text that would mislead in Slack. */

const FIXTURE = join(import.meta.dirname, 'fixtures', 'roster.yml');
const fixture = readFileSync(FIXTURE, 'utf8');

const BASE = `
admins: [U0ADMIN1]
supervisors:
  channel: C0SUPERV1
  members: [U0SUPER1]
`;

/** One patch with the clients given as YAML flow mappings, one a line. */
function withClients(...clientLines: string[]): string {
  return `${BASE}patches:
  - code: P07
    name: Westbury North
    channel: C0PATCH07
    assistants: [U0ALICE1]
    clients:
${clientLines.map((line) => `      - ${line}`).join('\n')}
`;
}

function errorsOf(text: string): string[] {
  const result = parseRoster(text);
  if (result.ok) throw new Error('expected the roster to be rejected');
  return result.errors;
}

function rosterOf(text: string): Roster {
  const result = parseRoster(text);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.roster;
}

/** `text` with `from` replaced; fails loudly if `from` is not there. */
function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture no longer contains ${from}`);
  return text.replace(from, to);
}

/** The fixture as bytes, with "Mrs D" written as Latin-1 "Mrs Dé" (0xE9 is é in Latin-1, not UTF-8). */
function latin1Roster(): Buffer {
  const [before, after] = swap(fixture, 'name: Mrs D', 'name: Mrs D\u0000').split('\u0000');
  return Buffer.concat([
    Buffer.from(before ?? '', 'utf8'),
    Buffer.from([0xe9]),
    Buffer.from(after ?? '', 'utf8'),
  ]);
}

const latin1Line = () => fixture.slice(0, fixture.indexOf('name: Mrs D')).split('\n').length;

describe('the roster file must be UTF-8', () => {
  it('bytes that are not UTF-8 are one error with their line and column, and nothing else is checked', () => {
    const result = parseRosterBytes(latin1Roster());
    expect(result).toEqual({
      ok: false,
      errors: [
        `roster: not valid UTF-8 at line ${latin1Line()}, column 20 (byte 0xE9): save the file as UTF-8`,
      ],
    });
  });

  it('a UTF-8 file with a byte order mark in front reads as without it', () => {
    const plain = parseRosterBytes(Buffer.from(fixture, 'utf8'));
    const bom = parseRosterBytes(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(fixture, 'utf8')]),
    );
    expect(plain.ok).toBe(true);
    expect(bom).toEqual(plain);
  });

  describe('through readRosterFile, importRosterFile and the CLI', () => {
    let dir: string;
    const saved = process.env.DATABASE_PATH;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'patchbot-hygiene-'));
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.DATABASE_PATH;
      else process.env.DATABASE_PATH = saved;
      rmSync(dir, { recursive: true, force: true });
    });

    it('readRosterFile reads bytes, so a Latin-1 name is refused, not read as U+FFFD', () => {
      const path = join(dir, 'roster.yml');
      writeFileSync(path, latin1Roster());
      const result = readRosterFile(path);
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(result.errors).toEqual([expect.stringMatching(/^roster: not valid UTF-8 at line \d+/)]);
    });

    it('importRosterFile applies nothing to a database that already holds the roster', () => {
      const db = openDb(':memory:');
      const first = importRosterFile(db, FIXTURE, 1);
      expect(first.ok).toBe(true);
      const before = db.select().from(clients).all();
      const path = join(dir, 'roster.yml');
      writeFileSync(path, latin1Roster());
      expect(importRosterFile(db, path, 2)).toMatchObject({ ok: false });
      expect(db.select().from(clients).all()).toEqual(before);
      db.$client.close();
    });

    it('`patchbot import` exits 1 with one line for it, and creates no database', async () => {
      const dbPath = join(dir, 'data', 'patchbot.db');
      process.env.DATABASE_PATH = dbPath;
      const path = join(dir, 'roster.yml');
      writeFileSync(path, latin1Roster());
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['import', path], {
        out: (s) => out.push(...s.split('\n')),
        err: (s) => err.push(...s.split('\n')),
      });
      expect(code).toBe(1);
      expect(out).toEqual([]);
      expect(err).toEqual([
        `patchbot import: ${path} was not loaded (nothing changed):`,
        `  roster: not valid UTF-8 at line ${latin1Line()}, column 20 (byte 0xE9): save the file as UTF-8`,
      ]);
      if (existsSync(dbPath)) {
        const sqlite = new Database(dbPath, { readonly: true });
        expect(sqlite.prepare('SELECT count(*) AS n FROM clients').get()).toEqual({ n: 0 });
        sqlite.close();
      }
    });
  });
});

describe('free text in the roster is refused when dirty, and stored as NFC', () => {
  it('"Mr Okonkwo" with a zero-width space is refused, with its path, beside the clean one', () => {
    expect(
      errorsOf(withClients('{ code: A1, name: "Mr Okonkwo" }', '{ code: A2, name: "Mr Okonkwo\\u200b" }')),
    ).toEqual(['patches[0].clients[1].name: contains an invisible character (U+200B zero width space)']);
  });

  it('every free-text field is checked: patch name, client name, visit purpose', () => {
    const text = `${BASE}patches:
  - code: P07
    name: "Westbury\\u202eNorth"
    channel: C0PATCH07
    assistants: [U0ALICE1]
    clients:
      - code: A1
        name: "Mrs P\\u0007"
        visits:
          - { at: "08:00", days: daily, minutes: 30, purpose: "Tea\\uFFFD" }
          - { at: "09:00", days: daily, minutes: 30, purpose: "Tea\\nand toast" }
          - { at: "10:00", days: daily, minutes: 30, purpose: "Lunch\\u00ad" }
      - { code: A2, name: "Mr\\tK" }
      - { code: A3, name: "\\uD83D Mrs D" }
`;
    expect(errorsOf(text)).toEqual([
      'patches[0].name: contains an invisible character (U+202E right-to-left override)',
      'patches[0].clients[0].name: contains a control character (U+0007)',
      'patches[0].clients[0].visits[0].purpose: contains U+FFFD, the mark of text that was not valid UTF-8',
      'patches[0].clients[0].visits[1].purpose: must be one line',
      'patches[0].clients[0].visits[2].purpose: contains an invisible character (U+00AD soft hyphen)',
      'patches[0].clients[1].name: contains a control character (U+0009 tab)',
      'patches[0].clients[2].name: contains a lone surrogate (U+D83D), half of a character that was cut in two',
    ]);
  });

  it('a block scalar\'s final line break is trimmed like any edge space, so it is not "more than one line"', () => {
    const roster = rosterOf(`${BASE}patches:
  - code: P07
    name: >
      Westbury North
    channel: C0PATCH07
    assistants: [U0ALICE1]
`);
    expect(roster.patches[0]?.name).toBe('Westbury North');
  });

  it('Zoë composed and Zoë decomposed are the same name in one patch', () => {
    expect(
      errorsOf(withClients('{ code: A1, name: "Zo\\u00eb" }', '{ code: A2, name: "Zoe\\u0308" }')),
    ).toEqual([
      'patches[0].clients[1].name: "Zoë" is already the name of patches[0].clients[0]: names must tell clients apart',
    ]);
  });

  it('so are names that differ only in case, width or spacing', () => {
    expect(
      errorsOf(withClients('{ code: A1, name: "Mrs P" }', '{ code: A2, name: "MRS\\u00a0 P" }')),
    ).toHaveLength(1);
    expect(
      errorsOf(withClients('{ code: A1, name: "Mrs P" }', '{ code: A2, name: "\\uff2d\\uff52\\uff53 P" }')),
    ).toHaveLength(1);
  });

  it('names, purposes and patch names are stored in NFC', () => {
    const roster = rosterOf(
      `${BASE}patches:
  - code: P07
    name: "Ame\\u0301lie's patch"
    channel: C0PATCH07
    assistants: [U0ALICE1]
    clients:
      - code: A1
        name: "Zoe\\u0308"
        visits: [{ at: "08:00", days: daily, minutes: 30, purpose: "Cafe\\u0301 visit" }]
`,
    );
    const patch = roster.patches[0];
    expect(patch?.name).toBe("Am\u00e9lie's patch");
    expect(patch?.clients[0]?.name).toBe('Zo\u00eb');
    expect(patch?.clients[0]?.visits[0]?.purpose).toBe('Caf\u00e9 visit');
  });

  it('an NFD name in the file matches its NFC row on the next import: nothing changes', () => {
    const db = openDb(':memory:');
    const nfc = rosterOf(swap(fixture, 'name: Mrs D', 'name: "Zo\\u00eb"'));
    const nfd = rosterOf(swap(fixture, 'name: Mrs D', 'name: "Zoe\\u0308"'));
    importRoster(db, nfc, 1);
    expect(importRoster(db, nfd, 2).clients).toEqual({ created: 0, updated: 0, archived: 0, unchanged: 3 });
    db.$client.close();
  });

  it('error messages show refused characters as <U+XXXX>, so a terminal never receives them', () => {
    const errors = errorsOf(
      withClients(
        '{ code: A1, name: "Mrs P", visits: [{ at: "08:00", days: "mon\\u202e", minutes: 5, purpose: Tea }] }',
      ),
    );
    expect(errors).toEqual(['patches[0].clients[0].visits[0].days: unknown weekday "mon<U+202E>"']);
    expect(errorsOf(`${BASE}timezone: "Europe/London\\u0007"\npatches: []\n`)[0]).toBe(
      'timezone: unknown time zone "Europe/London<U+0007>" (expected an IANA zone such as Europe/London)',
    );
  });
});

describe('YAML aliases', () => {
  it(`a "billion laughs" document is one error, quickly (limit ${MAX_ALIAS_COUNT})`, () => {
    // Nine levels of nine aliases: 9^9 (387 million) "lol"s if expanded.
    const levels = 'abcdefghi';
    let text = `lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
    for (let i = 1; i < levels.length; i++) {
      text += `l${i}: &${levels[i]} [${Array(9)
        .fill(`*${levels[i - 1]}`)
        .join(', ')}]\n`;
    }
    const started = performance.now();
    expect(parseRoster(text)).toEqual({
      ok: false,
      errors: [`roster: YAML aliases expand too far (over ${MAX_ALIAS_COUNT}): write the values out instead`],
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('the same bomb hidden under a roster key is caught the same way', () => {
    let text = `${BASE}x0: &x0 [U0ALICE1, U0ALICE1, U0ALICE1, U0ALICE1, U0ALICE1, U0ALICE1, U0ALICE1, U0ALICE1]\n`;
    for (let i = 1; i < 9; i++)
      text += `x${i}: &x${i} [${Array(9)
        .fill(`*x${i - 1}`)
        .join(', ')}]\n`;
    text += `patches:\n  - { code: P07, name: N, channel: C0PATCH07, assistants: *x8 }\n`;
    expect(parseRoster(text)).toEqual({
      ok: false,
      errors: [`roster: YAML aliases expand too far (over ${MAX_ALIAS_COUNT}): write the values out instead`],
    });
  });

  it('a roster that shares a list by an alias a few times is fine', () => {
    const roster = rosterOf(`
admins: &people [U0ADMIN1, U0SUPER1]
supervisors:
  channel: C0SUPERV1
  members: *people
patches:
  - { code: P07, name: North, channel: C0PATCH07, assistants: &team [U0ALICE1, U0BOB0001] }
  - { code: P08, name: South, channel: C0PATCH08, assistants: *team }
  - { code: P09, name: East, channel: C0PATCH09, assistants: *team }
`);
    expect(roster.supervisors.members).toEqual(['U0ADMIN1', 'U0SUPER1']);
    expect(roster.patches.map((p) => p.assistants)).toEqual([
      ['U0ALICE1', 'U0BOB0001'],
      ['U0ALICE1', 'U0BOB0001'],
      ['U0ALICE1', 'U0BOB0001'],
    ]);
  });

  it('an alias with no anchor before it is one error with its path, not a stack', () => {
    expect(
      errorsOf(`${BASE}patches:\n  - { code: P07, name: N, channel: C0PATCH07, assistants: *team }\n`),
    ).toEqual(['patches[0].assistants: the YAML alias *team has no anchor &team before it']);
  });

  it('an alias inside the value it names is one error with its path, not an endless loop', () => {
    expect(
      errorsOf(`${BASE}patches: &p\n  - { code: P07, name: N, channel: C0PATCH07, clients: *p }\n`),
    ).toEqual(['patches[0].clients: the YAML alias *p is inside the value it names']);
  });
});
