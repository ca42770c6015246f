// Text normalisation and the basic (pre-WordPiece) split of Hugging Face's slow BertTokenizer,
// reproduced character for character, while tracking for every produced code point the UTF-16
// span [start, end) of the ORIGINAL input it came from. Lower-casing ("İ" → "i̇"), NFC, NFD
// accent stripping and dropped control characters all change lengths, so offsets cannot be
// recovered afterwards; they are carried through each stage instead.
//
// Stages, in Hugging Face's order:
//   1. (tokenize() only) lower-case each code point on its own, outside special tokens;
//   2. clean: drop U+0000, U+FFFD and every C* code point except \t \n \r; whitespace → space;
//   3. put spaces around CJK ideographs;
//   4. NFC; split on whitespace (Python's str.split set, which includes U+2028/U+2029);
//   5. per word, unless it equals a special token: lower-case, NFD, drop Mn marks;
//   6. split off every punctuation code point.

/** One basic token: processed text plus, per code point, its span in the original string. */
export interface BasicToken {
  /** Processed text (cleaned, lower-cased, accents stripped). */
  text: string;
  /** UTF-16 index into `text` of each code point boundary; length = code points + 1. */
  units: number[];
  /** Original UTF-16 start of each code point; non-decreasing. */
  starts: number[];
  /** Original UTF-16 end (exclusive) of each code point; non-decreasing. */
  ends: number[];
}

export interface BasicTokenizeOptions {
  doLowerCase: boolean;
  /** Lower-case each code point before cleaning (what `tokenize()` does outside special tokens). */
  lowerEachCodePoint: boolean;
  /** Words equal to one of these (after cleaning and NFC) are kept whole: no lower-casing, no split. */
  neverSplit: ReadonlySet<string>;
}

/** Code point ranges of `_is_chinese_char`: CJK Unified Ideographs, Ext. A–E, compatibility blocks. */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

const RE_OTHER = /^\p{C}$/u;
const RE_SPACE_SEP = /^\p{Zs}$/u;
const RE_PUNCT = /^\p{P}$/u;
const RE_MARK = /^\p{M}$/u;
const RE_NONSPACING_MARK = /^\p{Mn}$/u;
const RE_ANY_NONSPACING_MARK = /\p{Mn}/u;

/** ASCII symbol ranges that BERT counts as punctuation although Unicode calls some of them S*. */
export function isPunctuation(cp: number): boolean {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  if (cp < 128) return false;
  let p = punctCache.get(cp);
  if (p === undefined) {
    p = RE_PUNCT.test(String.fromCodePoint(cp));
    punctCache.set(cp, p);
  }
  return p;
}


/** What stages 2–3 do with a code point. */
const CharClass = { Drop: 0, Space: 1, Cjk: 2, Other: 3 } as const;
type CharClass = (typeof CharClass)[keyof typeof CharClass];

// Per code point memos of the Unicode-category tests (bounded by the code points ever seen).
const punctCache = new Map<number, boolean>();
const classCache = new Map<number, CharClass>();

/** Stages 2–3 for one code point: `_clean_text`, `_tokenize_chinese_chars`, Python whitespace. */
function classify(cp: number): CharClass {
  if (cp < 128) {
    if (cp === 9 || cp === 10 || cp === 13 || cp === 32) return CharClass.Space;
    if (cp < 32 || cp === 127) return CharClass.Drop; // includes U+0000, VT, FF
    return CharClass.Other;
  }
  if (isChineseChar(cp)) return CharClass.Cjk;
  let c = classCache.get(cp);
  if (c === undefined) {
    c = classifyByCategory(cp);
    classCache.set(cp, c);
  }
  return c;
}

function classifyByCategory(cp: number): CharClass {
  if (cp === 0xfffd) return CharClass.Drop;
  const ch = String.fromCodePoint(cp);
  if (RE_OTHER.test(ch)) return CharClass.Drop; // Cc, Cf (zero-width, BOM), Cs, Co, Cn
  // Zs becomes a space in _clean_text; U+2028/U+2029 survive it but Python's str.split() splits there.
  if (cp === 0x2028 || cp === 0x2029 || RE_SPACE_SEP.test(ch)) return CharClass.Space;
  return CharClass.Other;
}

/** A code point that canonical composition/reordering may attach to the code point before it. */
function attachesToPrevious(cp: number): boolean {
  if (cp < 0x300) return false;
  // Hangul medial vowels and final consonants compose with a preceding L or LV syllable.
  if ((cp >= 0x1161 && cp <= 0x1175) || (cp >= 0x11a8 && cp <= 0x11c2)) return true;
  return RE_MARK.test(String.fromCodePoint(cp));
}

/** Code points → string, in chunks so that very long words do not overflow the argument limit. */
export function codePointsToString(cps: readonly number[]): string {
  const CHUNK = 4096;
  if (cps.length <= CHUNK) return String.fromCodePoint(...cps);
  const parts: string[] = [];
  for (let i = 0; i < cps.length; i += CHUNK) parts.push(String.fromCodePoint(...cps.slice(i, i + CHUNK)));
  return parts.join('');
}

function stringToCodePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    out.push(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return out;
}

/** A word in flight: code points with their original spans. */
interface SpannedWord {
  cps: number[];
  starts: number[];
  ends: number[];
}

/**
 * Normalises `w` to `form`, one composition group (a base plus the marks that may attach to
 * it) at a time, so each output code point keeps a span: its own if the group is unchanged,
 * the whole group's otherwise. Equals normalising the whole word, since neither composition
 * nor canonical reordering crosses a group boundary.
 */
function normalizeSpanned(w: SpannedWord, form: 'NFC' | 'NFD'): SpannedWord {
  const out: SpannedWord = { cps: [], starts: [], ends: [] };
  const n = w.cps.length;
  for (let g = 0; g < n; ) {
    let last = g;
    while (last + 1 < n && attachesToPrevious(w.cps[last + 1])) last++;
    const groupCps = w.cps.slice(g, last + 1);
    const groupText = codePointsToString(groupCps);
    const normalized = groupText.normalize(form);
    if (normalized === groupText) {
      for (let i = g; i <= last; i++) {
        out.cps.push(w.cps[i]);
        out.starts.push(w.starts[i]);
        out.ends.push(w.ends[i]);
      }
    } else {
      for (const cp of stringToCodePoints(normalized)) {
        out.cps.push(cp);
        out.starts.push(w.starts[g]);
        out.ends.push(w.ends[last]);
      }
    }
    g = last + 1;
  }
  return out;
}

function lowerCodePoint(cp: number): string {
  if (cp < 128) return String.fromCharCode(cp >= 65 && cp <= 90 ? cp + 32 : cp);
  return String.fromCodePoint(cp).toLowerCase();
}

/**
 * Python's `str.lower()` on a whole word: per code point (so expansions such as "İ" → "i̇" keep
 * their source span), then the word-level result (final sigma) wherever it has the same length.
 */
function lowerSpanned(w: SpannedWord, lowered: string): SpannedWord {
  const out: SpannedWord = { cps: [], starts: [], ends: [] };
  for (let i = 0; i < w.cps.length; i++) {
    for (const cp of stringToCodePoints(lowerCodePoint(w.cps[i]))) {
      out.cps.push(cp);
      out.starts.push(w.starts[i]);
      out.ends.push(w.ends[i]);
    }
  }
  const wordCps = stringToCodePoints(lowered);
  if (wordCps.length === out.cps.length) {
    out.cps = wordCps;
  } else {
    // Context-dependent mapping changed the length: keep Python's text, give every code point the word's span.
    const start = w.starts[0];
    const end = w.ends[w.ends.length - 1];
    return { cps: wordCps, starts: wordCps.map(() => start), ends: wordCps.map(() => end) };
  }
  return out;
}

function stripAccentsSpanned(w: SpannedWord): SpannedWord {
  const d = normalizeSpanned(w, 'NFD');
  const out: SpannedWord = { cps: [], starts: [], ends: [] };
  for (let i = 0; i < d.cps.length; i++) {
    const cp = d.cps[i];
    if (cp >= 0x300 && RE_NONSPACING_MARK.test(String.fromCodePoint(cp))) continue;
    out.cps.push(cp);
    out.starts.push(d.starts[i]);
    out.ends.push(d.ends[i]);
  }
  return out;
}

function makeToken(w: SpannedWord, from: number, to: number): BasicToken {
  const cps = w.cps.slice(from, to);
  const units = [0];
  for (const cp of cps) units.push(units[units.length - 1] + (cp > 0xffff ? 2 : 1));
  return { text: codePointsToString(cps), units, starts: w.starts.slice(from, to), ends: w.ends.slice(from, to) };
}

function maxCodePoint(cps: readonly number[]): number {
  let m = 0;
  for (const cp of cps) if (cp > m) m = cp;
  return m;
}

/** Stages 4–6 for one whitespace-delimited word. */
function processWord(word: SpannedWord, opts: BasicTokenizeOptions, out: BasicToken[]): void {
  let w = word;
  let text = codePointsToString(w.cps);
  const maxCp = maxCodePoint(w.cps);
  // Below U+0300 nothing composes and no singleton changes under NFC. Whole-word checks first:
  // the per-group remapping is only needed when a form actually changes the word.
  if (maxCp >= 0x300) {
    const nfc = text.normalize('NFC');
    if (nfc !== text) {
      w = normalizeSpanned(w, 'NFC');
      text = nfc;
    }
  }
  if (opts.neverSplit.has(text)) {
    out.push(makeToken(w, 0, w.cps.length));
    return;
  }
  if (opts.doLowerCase) {
    const lowered = text.toLowerCase();
    if (lowered !== text) {
      w = lowerSpanned(w, lowered);
      text = lowered;
    }
    // Below U+00C0 there is nothing to decompose and no mark to drop.
    if (maxCp >= 0xc0 && (text.normalize('NFD') !== text || RE_ANY_NONSPACING_MARK.test(text))) {
      w = stripAccentsSpanned(w);
    }
  }
  let pieceStart = 0;
  for (let i = 0; i < w.cps.length; i++) {
    if (!isPunctuation(w.cps[i])) continue;
    if (i > pieceStart) out.push(makeToken(w, pieceStart, i));
    out.push(makeToken(w, i, i + 1));
    pieceStart = i + 1;
  }
  if (w.cps.length > pieceStart) out.push(makeToken(w, pieceStart, w.cps.length));
}

/**
 * Hugging Face `BasicTokenizer.tokenize(text[from:to], never_split)` with offsets into `text`.
 * Linear in the input length.
 */
export function basicTokenizeRange(
  text: string,
  from: number,
  to: number,
  opts: BasicTokenizeOptions,
): BasicToken[] {
  const out: BasicToken[] = [];
  let word: SpannedWord = { cps: [], starts: [], ends: [] };
  const flush = () => {
    if (word.cps.length === 0) return;
    processWord(word, opts, out);
    word = { cps: [], starts: [], ends: [] };
  };
  const emit = (cp: number, start: number, end: number) => {
    switch (classify(cp)) {
      case CharClass.Drop:
        return;
      case CharClass.Space:
        flush();
        return;
      case CharClass.Cjk:
        flush();
        if (cp < 0xf900 || (cp > 0xfaff && cp < 0x2f800)) {
          // Unified ideographs: no case, no decomposition, not punctuation; the bulk of Chinese text.
          const ch = String.fromCodePoint(cp);
          out.push({ text: ch, units: [0, ch.length], starts: [start], ends: [end] });
          return;
        }
        word.cps.push(cp);
        word.starts.push(start);
        word.ends.push(end);
        flush();
        return;
      case CharClass.Other:
        word.cps.push(cp);
        word.starts.push(start);
        word.ends.push(end);
    }
  };
  const preLower = opts.doLowerCase && opts.lowerEachCodePoint;
  for (let i = from; i < to; ) {
    const cp = text.codePointAt(i)!;
    const end = Math.min(to, i + (cp > 0xffff ? 2 : 1));
    if (preLower && cp >= 128) {
      for (const lc of stringToCodePoints(lowerCodePoint(cp))) emit(lc, i, end);
    } else if (preLower && cp >= 65 && cp <= 90) {
      emit(cp + 32, i, end);
    } else {
      emit(cp, i, end);
    }
    i = end;
  }
  flush();
  return out;
}
