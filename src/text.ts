/**
 * Text hygiene for what people write into patchbot: the roster's names and purposes now, the modals'
 * notes and reasons later. Pure: no Slack, no SQL.
 *
 * Refused everywhere:
 * - U+FFFD, the replacement character: the trace of bytes that were not valid UTF-8;
 * - lone surrogates: half of a character that was cut in two;
 * - control characters, C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F), except the line
 *   breaks and tabs that multi-line text allows (below);
 * - invisible format characters (Unicode category Cf): zero-width space, joiner and non-joiner,
 *   word joiner, byte order mark, bidi embeddings, overrides and isolates, soft hyphen, tag
 *   characters and the rest of the category. This includes U+200D, so emoji sequences joined by it
 *   (and the few spellings that need a joiner) are refused too: write the plain form;
 * - a few characters that are not Cf but show as nothing (Hangul fillers, the combining grapheme
 *   joiner, the blank braille pattern, Mongolian variation selectors, Khmer inherent vowels);
 * - private-use characters and noncharacters, which have no agreed look.
 *
 * One-line text (names, purposes) also refuses line breaks (LF, CR, U+0085, U+2028, U+2029) and
 * tabs. Multi-line text (notes) allows LF, CR LF and tabs; a CR on its own, U+0085, U+2028 and
 * U+2029 are still refused.
 */

export interface TextOptions {
  /** Allow line breaks (LF or CR LF) and tabs, as in a note. Default: one line. */
  multiline?: boolean;
  /**
   * Allow the zero width joiner that builds emoji such as 👩‍⚕️ (what people type on a phone into a
   * reason or a note). Names never allow it: a joiner is how look-alike names are made.
   */
  emoji?: boolean;
}

const NAMES: Record<number, string> = {
  0: 'null',
  9: 'tab',
  10: 'line feed',
  13: 'carriage return',
  27: 'escape',
  127: 'delete',
  133: 'next line',
  173: 'soft hyphen',
  847: 'combining grapheme joiner',
  1564: 'arabic letter mark',
  4447: 'hangul choseong filler',
  4448: 'hangul jungseong filler',
  6068: 'khmer vowel inherent aq',
  6069: 'khmer vowel inherent aa',
  6158: 'mongolian vowel separator',
  8203: 'zero width space',
  8204: 'zero width non-joiner',
  8205: 'zero width joiner',
  8206: 'left-to-right mark',
  8207: 'right-to-left mark',
  8232: 'line separator',
  8233: 'paragraph separator',
  8234: 'left-to-right embedding',
  8235: 'right-to-left embedding',
  8236: 'pop directional formatting',
  8237: 'left-to-right override',
  8238: 'right-to-left override',
  8288: 'word joiner',
  8289: 'function application',
  8290: 'invisible times',
  8291: 'invisible separator',
  8292: 'invisible plus',
  8294: 'left-to-right isolate',
  8295: 'right-to-left isolate',
  8296: 'first strong isolate',
  8297: 'pop directional isolate',
  10240: 'braille pattern blank',
  12644: 'hangul filler',
  65279: 'zero width no-break space, the byte order mark',
  65440: 'halfwidth hangul filler',
};

/** `U+200B`, with its name when it is one people meet: `U+200B zero width space`. */
export function describeCodePoint(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  const name = NAMES[cp] ?? (cp >= 0xe0020 && cp <= 0xe007f ? 'tag character' : undefined);
  return name ? `U+${hex} ${name}` : `U+${hex}`;
}

const FORMAT = /^\p{Cf}$/u;
const PRIVATE_USE = /^\p{Co}$/u;
/** Not category Cf, but shown as nothing, so a name can hide them just as well. */
const BLANK = new Set([
  0x034f, 0x115f, 0x1160, 0x17b4, 0x17b5, 0x180b, 0x180c, 0x180d, 0x180f, 0x2800, 0x3164, 0xffa0,
]);

const isControl = (cp: number) => cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
const isNoncharacter = (cp: number) => (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;
const isLineBreak = (cp: number) =>
  cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029;

/**
 * What is wrong with `value` as text a person wrote, in a few plain words (`contains an invisible
 * character (U+200B zero width space)`), or null when nothing is. Only the first problem is named.
 */
export function textProblem(value: string, opts: TextOptions = {}): string | null {
  const multiline = opts.multiline === true;
  for (let i = 0; i < value.length; i++) {
    const cp = value.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    if (cp === 0xfffd) return 'contains U+FFFD, the mark of text that was not valid UTF-8';
    if (cp >= 0xd800 && cp <= 0xdfff) {
      return `contains a lone surrogate (${describeCodePoint(cp)}), half of a character that was cut in two`;
    }
    if (multiline && (cp === 0x0a || cp === 0x09)) continue;
    if (opts.emoji && cp === 0x200d) continue;
    if (multiline && cp === 0x0d && value.charCodeAt(i + 1) === 0x0a) continue;
    if (!multiline && isLineBreak(cp)) return 'must be one line';
    if (isControl(cp)) return `contains a control character (${describeCodePoint(cp)})`;
    if (cp === 0x2028 || cp === 0x2029) {
      return `contains an unusual line break (${describeCodePoint(cp)}): use an ordinary new line`;
    }
    const char = String.fromCodePoint(cp);
    if (FORMAT.test(char) || BLANK.has(cp)) {
      return `contains an invisible character (${describeCodePoint(cp)})`;
    }
    if (PRIVATE_USE.test(char)) {
      return `contains a private-use character (${describeCodePoint(cp)}), which looks different on every device`;
    }
    if (isNoncharacter(cp)) return `contains ${describeCodePoint(cp)}, which is not a character`;
  }
  return null;
}

/** The form text is stored in: Unicode NFC, so `Zoë` is one spelling however it was typed. */
export function normalizeText(value: string): string {
  return value.normalize('NFC');
}

/**
 * The form two names are compared in, to tell whether they are the same name: compatibility-normalized
 * (NFKC, so full-width letters and ligatures are the letters they look like), lower case, trimmed,
 * and with each run of white space (no-break spaces included) read as one space.
 */
export function textKey(value: string): string {
  return value.normalize('NFKC').toLowerCase().normalize('NFKC').trim().replace(/\s+/gu, ' ');
}

/**
 * `value` safe to quote in an error message or a terminal: every character textProblem would refuse
 * is written as `<U+XXXX>`, so nothing invisible or control reaches the screen.
 */
export function printable(value: string): string {
  let out = '';
  for (const char of value) {
    const cp = char.codePointAt(0) as number;
    out +=
      char === ' ' || textProblem(char) === null
        ? char
        : `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;
  }
  return out;
}

export type DecodeResult =
  | { ok: true; text: string }
  | {
      ok: false;
      /** Where the first invalid byte is: 1-based line, and the character on that line. */
      line: number;
      column: number;
      /** The byte that starts the invalid sequence. */
      byte: number;
    };

/**
 * Decodes bytes as UTF-8, refusing anything that is not (`TextDecoder` with `fatal: true` decides);
 * a leading byte order mark is dropped. On failure, says where the first bad byte is.
 */
export function decodeUtf8(bytes: Uint8Array): DecodeResult {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const at = Math.max(0, firstInvalidUtf8(bytes));
    const lineStart = bytes.lastIndexOf(0x0a, at - 1) + 1;
    let line = 1;
    for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
    // The bytes before `at` on its line are valid, so they decode to the characters before it.
    const before = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(lineStart, at));
    const column = [...(lineStart === 0 ? before.replace(/^\uFEFF/, '') : before)].length + 1;
    return { ok: false, line, column, byte: bytes[at] ?? 0 };
  }
}

/** The offset of the first byte that starts an invalid UTF-8 sequence, or -1 (RFC 3629's rules). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // no overlong forms
      if (b === 0xed) hi = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // no overlong forms
      if (b === 0xf4) hi = 0x8f; // nothing past U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}
