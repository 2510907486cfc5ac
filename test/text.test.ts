import { describe, expect, it } from 'vitest';
import {
  decodeUtf8,
  describeCodePoint,
  normalizeText,
  printable,
  textKey,
  textProblem,
} from '../src/text.ts';

describe('textProblem: one-line text (names, purposes)', () => {
  it('passes ordinary names in any script, with accents, apostrophes, hyphens and emoji', () => {
    for (const name of [
      'Mrs P',
      'Mr Okonkwo',
      "Mrs O'Brien-Smith",
      'Zoë',
      'Zoe\u0308', // decomposed: combining marks are visible, so allowed (and normalized on storage)
      'Siobhán Ní Dhomhnaill',
      'Łukasz Żółć',
      'Дмитрий',
      'محمد',
      '李小龙',
      'Mr K ❤️', // U+2764 + variation selector U+FE0F
      'P7-03 & co <b>', // mrkdwn characters are escaped where shown, not refused
      'Mrs\u00a0P', // a no-break space is a space
    ]) {
      expect(textProblem(name), name).toBeNull();
    }
  });

  it('refuses U+FFFD, the mark of bytes that were not UTF-8', () => {
    expect(textProblem('Mr Okonkw\uFFFD')).toBe('contains U+FFFD, the mark of text that was not valid UTF-8');
  });

  it('refuses lone surrogates, high or low, and passes a whole pair', () => {
    expect(textProblem('Mrs P \uD83D')).toBe(
      'contains a lone surrogate (U+D83D), half of a character that was cut in two',
    );
    expect(textProblem('\uDE00 Mrs P')).toBe(
      'contains a lone surrogate (U+DE00), half of a character that was cut in two',
    );
    expect(textProblem('Mrs P \uD83D\uDE00')).toBeNull();
  });

  it('refuses control characters, C0, DEL and C1', () => {
    expect(textProblem('Mrs P\u0007')).toBe('contains a control character (U+0007)');
    expect(textProblem('Mrs\u0000P')).toBe('contains a control character (U+0000 null)');
    expect(textProblem('\u001b[31mMrs P')).toBe('contains a control character (U+001B escape)');
    expect(textProblem('Mrs P\u007f')).toBe('contains a control character (U+007F delete)');
    expect(textProblem('Mrs P\u009b')).toBe('contains a control character (U+009B)');
    expect(textProblem('Mrs\tP')).toBe('contains a control character (U+0009 tab)');
  });

  it('refuses every kind of line break as "must be one line"', () => {
    for (const name of ['Mrs\nP', 'Mrs\rP', 'Mrs\r\nP', 'Mrs\u0085P', 'Mrs\u2028P', 'Mrs\u2029P']) {
      expect(textProblem(name), JSON.stringify(name)).toBe('must be one line');
    }
  });

  it('refuses invisible format characters (Unicode Cf), naming the character', () => {
    const cases: [string, string][] = [
      ['\u200b', 'U+200B zero width space'],
      ['\u200c', 'U+200C zero width non-joiner'],
      ['\u200d', 'U+200D zero width joiner'],
      ['\u2060', 'U+2060 word joiner'],
      ['\ufeff', 'U+FEFF zero width no-break space, the byte order mark'],
      ['\u00ad', 'U+00AD soft hyphen'],
      ['\u200e', 'U+200E left-to-right mark'],
      ['\u202a', 'U+202A left-to-right embedding'],
      ['\u202e', 'U+202E right-to-left override'],
      ['\u2066', 'U+2066 left-to-right isolate'],
      ['\u2069', 'U+2069 pop directional isolate'],
      ['\u061c', 'U+061C arabic letter mark'],
      ['\u180e', 'U+180E mongolian vowel separator'],
      ['\u{E0041}', 'U+E0041 tag character'],
      ['\u{1D173}', 'U+1D173'], // musical symbol begin beam: Cf, no name of ours
    ];
    for (const [char, described] of cases) {
      expect(textProblem(`Mr Okonkwo${char}`), described).toBe(
        `contains an invisible character (${described})`,
      );
    }
  });

  it('refuses characters that are not Cf but show as nothing', () => {
    expect(textProblem('Mrs\u3164P')).toBe('contains an invisible character (U+3164 hangul filler)');
    expect(textProblem('\u2800')).toBe('contains an invisible character (U+2800 braille pattern blank)');
    expect(textProblem('Mrs P\u034f')).toBe(
      'contains an invisible character (U+034F combining grapheme joiner)',
    );
  });

  it('refuses private-use characters and noncharacters', () => {
    expect(textProblem('Mrs P \ue000')).toBe(
      'contains a private-use character (U+E000), which looks different on every device',
    );
    expect(textProblem('Mrs P \uffff')).toBe('contains U+FFFF, which is not a character');
    expect(textProblem('Mrs P \ufdd0')).toBe('contains U+FDD0, which is not a character');
    expect(textProblem('Mrs P \u{10FFFE}')).toBe('contains U+10FFFE, which is not a character');
  });

  it('names the first problem in the text', () => {
    expect(textProblem('a\u200bb\u0007c\uFFFD')).toBe(
      'contains an invisible character (U+200B zero width space)',
    );
  });

  it('survives hostile strings: a "Trojan Source" name, a terminal escape, a long run of joiners', () => {
    expect(textProblem('Mrs P\u202e\u2066 // admin\u2069\u2066')).toBe(
      'contains an invisible character (U+202E right-to-left override)',
    );
    expect(textProblem('\u001b]0;pwned\u0007Mrs P')).toBe('contains a control character (U+001B escape)');
    expect(textProblem(`Mrs P${'\u200d'.repeat(100_000)}`)).toBe(
      'contains an invisible character (U+200D zero width joiner)',
    );
    expect(textProblem('')).toBeNull();
  });
});

describe('textProblem: multi-line text (notes)', () => {
  const multiline = { multiline: true };

  it('allows line feeds, CR LF pairs and tabs', () => {
    expect(textProblem('Missed dose.\nGP called.', multiline)).toBeNull();
    expect(textProblem('Missed dose.\r\nGP called.', multiline)).toBeNull();
    expect(textProblem('Dose:\t2 tablets', multiline)).toBeNull();
  });

  it('still refuses a lone CR, other controls, odd line breaks and invisible characters', () => {
    expect(textProblem('Missed dose.\rGP called.', multiline)).toBe(
      'contains a control character (U+000D carriage return)',
    );
    expect(textProblem('Missed\u0085dose', multiline)).toBe(
      'contains a control character (U+0085 next line)',
    );
    expect(textProblem('Missed\u2028dose', multiline)).toBe(
      'contains an unusual line break (U+2028 line separator): use an ordinary new line',
    );
    expect(textProblem('Rash\u200b', multiline)).toBe(
      'contains an invisible character (U+200B zero width space)',
    );
    expect(textProblem('Rash\uFFFD', multiline)).toBe(
      'contains U+FFFD, the mark of text that was not valid UTF-8',
    );
  });
});

describe('normalizeText, textKey, printable, describeCodePoint', () => {
  it('normalizeText is NFC: a decomposed Zoë becomes the composed one', () => {
    expect(normalizeText('Zoe\u0308')).toBe('Zo\u00eb');
    expect(normalizeText('Zo\u00eb')).toBe('Zo\u00eb');
    expect(normalizeText('Zoe\u0308').length).toBe(3);
  });

  it('textKey reads NFC/NFD, case, width and spacing differences as the same name', () => {
    expect(textKey('Zoe\u0308')).toBe(textKey('Zo\u00eb'));
    expect(textKey('MRS P')).toBe(textKey('mrs p'));
    expect(textKey(' Mrs\u00a0  P ')).toBe(textKey('Mrs P'));
    expect(textKey('\uff2d\uff52\uff53 P')).toBe(textKey('Mrs P')); // full-width Ｍｒｓ
    expect(textKey('Mrs P')).not.toBe(textKey('Mrs D'));
  });

  it('printable shows refused characters as <U+XXXX> and leaves the rest', () => {
    expect(printable('Mr Okonkwo\u200b')).toBe('Mr Okonkwo<U+200B>');
    expect(printable('a\nb\u202ec\u0007 Zoë')).toBe('a<U+000A>b<U+202E>c<U+0007> Zoë');
    expect(printable('\uD83D')).toBe('<U+D83D>');
  });

  it('describeCodePoint pads to four digits and names the common ones', () => {
    expect(describeCodePoint(0x7)).toBe('U+0007');
    expect(describeCodePoint(0x200b)).toBe('U+200B zero width space');
    expect(describeCodePoint(0x1f600)).toBe('U+1F600');
  });
});

describe('decodeUtf8', () => {
  const bytes = (...parts: (string | number[])[]) =>
    Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'utf8')] : p)));

  it('decodes UTF-8 and drops a leading byte order mark', () => {
    expect(decodeUtf8(bytes('name: Zoë\n'))).toEqual({ ok: true, text: 'name: Zoë\n' });
    expect(decodeUtf8(bytes([0xef, 0xbb, 0xbf], 'a: 1'))).toEqual({ ok: true, text: 'a: 1' });
  });

  it('refuses Latin-1 and says where: line, character on the line, and the byte', () => {
    // "Zoë" saved as Latin-1 on line 3, after two characters of which one is a multi-byte é.
    expect(decodeUtf8(bytes('a: 1\nb: 2\nn: é Zo', [0xeb], '\n'))).toEqual({
      ok: false,
      line: 3,
      column: 8,
      byte: 0xeb,
    });
  });

  it('refuses overlong forms, encoded surrogates, code points past U+10FFFF and cut sequences', () => {
    for (const bad of [
      [0xc0, 0xaf], // overlong "/"
      [0xe0, 0x80, 0xaf], // overlong
      [0xed, 0xa0, 0x80], // U+D800 encoded
      [0xf4, 0x90, 0x80, 0x80], // U+110000
      [0xf5, 0x80, 0x80, 0x80],
      [0xe2, 0x82], // cut short at the end
      [0x80], // a continuation byte on its own
    ]) {
      const result = decodeUtf8(bytes('ok ', bad, ' more'));
      expect(result, bad.join(' ')).toMatchObject({ ok: false, line: 1, column: 4, byte: bad[0] });
    }
  });

  it('counts the byte order mark out of the column on line 1', () => {
    expect(decodeUtf8(bytes([0xef, 0xbb, 0xbf], 'ab', [0xff]))).toMatchObject({
      ok: false,
      line: 1,
      column: 3,
    });
  });
});
