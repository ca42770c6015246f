// WordPiece tokenizer matching Hugging Face's slow (pure Python) `BertTokenizer` with
// do_lower_case (default on), tokenize_chinese_chars and strip_accents following lower-casing.
// Every token carries the UTF-16 span of the user's original text it came from.
// Normalisation and the basic split live in tokenizer-text.ts; this file holds the vocabulary,
// special tokens, WordPiece, [CLS]/[SEP] assembly, truncation, padding and decoding.
import { basicTokenizeRange, type BasicToken, isChineseChar } from './tokenizer-text';

export interface Encoding {
  ids: number[];
  tokens: string[];
  typeIds: number[];
  attentionMask: number[];
  /**
   * [start, end) UTF-16 offsets of each token in the ORIGINAL text of its segment; the [CLS]/[SEP]
   * that encode adds get null (a [MASK] typed in the text keeps its span).
   */
  offsets: ([number, number] | null)[];
  /** which input segment (0 or 1) each token came from, null for the added [CLS]/[SEP] */
  segments: (0 | 1 | null)[];
  truncated: boolean;
}

export interface TokenizerOptions {
  /** Lower-case and strip accents (uncased and Chinese BERTs). Default true. */
  doLowerCase?: boolean;
  /** Words longer than this many code points become [UNK]. Default 100. */
  maxInputCharsPerWord?: number;
  /** Further vocabulary entries that must never be split, like [CLS] (HF `additional_special_tokens`). */
  extraSpecialTokens?: string[];
}

/** The vocabulary or a tokenizer argument is unusable. The message says what and what to do. */
export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}

const REQUIRED_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/**
 * vocab.txt → one token per line. Lines end at "\n" only: the bert-base-chinese vocabulary has
 * U+2028 (a Unicode line separator) as a token. A trailing "\r" (CRLF files) is not part of it.
 */
export function parseVocab(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

interface Piece {
  token: string;
  id: number;
  offset: [number, number];
}

export class BertTokenizer {
  readonly vocab: Map<string, number>;
  readonly idToToken: string[];
  readonly clsId: number;
  readonly sepId: number;
  readonly maskId: number;
  readonly padId: number;
  readonly unkId: number;
  readonly doLowerCase: boolean;
  readonly maxInputCharsPerWord: number;
  /** Tokens matched verbatim in the input and never split, longest first. */
  readonly specialTokens: readonly string[];
  private readonly specialSet: ReadonlySet<string>;
  private readonly specialIds: ReadonlySet<number>;
  private readonly specialFirstUnits: ReadonlySet<number>;
  /** Upper bound on the code points of any vocabulary piece (without "##"): bounds the greedy search. */
  private readonly maxPieceLength: number;

  static fromVocabText(text: string, opts: TokenizerOptions = {}): BertTokenizer {
    return new BertTokenizer(parseVocab(text), opts);
  }

  constructor(tokens: readonly string[], opts: TokenizerOptions = {}) {
    if (tokens.length === 0) {
      throw new TokenizerError('The vocabulary is empty. Load the model\'s vocab.txt (one token per line).');
    }
    this.idToToken = [...tokens];
    this.vocab = new Map();
    // Like Hugging Face's dict, a repeated line maps to its last index.
    tokens.forEach((t, i) => this.vocab.set(t, i));
    this.doLowerCase = opts.doLowerCase ?? true;
    this.maxInputCharsPerWord = opts.maxInputCharsPerWord ?? 100;
    if (!Number.isInteger(this.maxInputCharsPerWord) || this.maxInputCharsPerWord <= 0) {
      throw new TokenizerError(`maxInputCharsPerWord must be a positive integer, got ${this.maxInputCharsPerWord}.`);
    }
    const idOf = (t: string): number => {
      const id = this.vocab.get(t);
      if (id === undefined) {
        throw new TokenizerError(
          `The vocabulary has no ${t} token. A BERT vocab.txt lists [PAD] [UNK] [CLS] [SEP] [MASK]; ` +
            'check that the file is the model\'s vocab.txt and that special tokens are spelled exactly.',
        );
      }
      return id;
    };
    this.padId = idOf('[PAD]');
    this.unkId = idOf('[UNK]');
    this.clsId = idOf('[CLS]');
    this.sepId = idOf('[SEP]');
    this.maskId = idOf('[MASK]');
    const specials = [...new Set([...REQUIRED_SPECIALS, ...(opts.extraSpecialTokens ?? [])])];
    for (const t of specials) {
      if (t === '') throw new TokenizerError('A special token cannot be the empty string.');
      idOf(t);
    }
    this.specialTokens = specials.sort((a, b) => b.length - a.length);
    this.specialSet = new Set(specials);
    this.specialIds = new Set(specials.map(idOf));
    this.specialFirstUnits = new Set(specials.map((t) => t.charCodeAt(0)));
    let maxPiece = 1;
    for (const t of tokens) maxPiece = Math.max(maxPiece, t.startsWith('##') ? t.length - 2 : t.length);
    this.maxPieceLength = maxPiece;
  }

  /** Hugging Face `BasicTokenizer.tokenize(text, never_split=all_special_tokens)`: words before WordPiece. */
  basicTokenize(text: string): string[] {
    return basicTokenizeRange(text, 0, text.length, {
      doLowerCase: this.doLowerCase,
      lowerEachCodePoint: false,
      neverSplit: this.specialSet,
    }).map((t) => t.text);
  }

  /** WordPiece tokens without [CLS]/[SEP]; special tokens typed in the text stay whole. */
  tokenize(text: string): string[] {
    return this.tokenizeWithOffsets(text).tokens;
  }

  tokenizeWithOffsets(text: string): { tokens: string[]; offsets: [number, number][] } {
    const pieces = this.pieces(text);
    return { tokens: pieces.map((p) => p.token), offsets: pieces.map((p) => p.offset) };
  }

  /**
   * Hugging Face `tokenize()`: special tokens are cut out verbatim first (leftmost, longest
   * match); the text between them is lower-cased one code point at a time (HF's regex pre-pass,
   * which never applies the word-final sigma rule), basic-tokenized and WordPiece-split.
   */
  private pieces(text: string): Piece[] {
    const out: Piece[] = [];
    const basicOpts = { doLowerCase: this.doLowerCase, lowerEachCodePoint: true, neverSplit: this.specialSet };
    let from = 0;
    const plain = (to: number) => {
      if (to > from) for (const word of basicTokenizeRange(text, from, to, basicOpts)) this.wordPiece(word, out);
    };
    for (let i = 0; i < text.length; i++) {
      if (!this.specialFirstUnits.has(text.charCodeAt(i))) continue;
      const special = this.specialTokens.find((t) => text.startsWith(t, i));
      if (special === undefined) continue;
      plain(i);
      out.push({ token: special, id: this.vocab.get(special)!, offset: [i, i + special.length] });
      from = i + special.length;
      i = from - 1;
    }
    plain(text.length);
    return out;
  }

  /** Greedy longest-match-first WordPiece; a word with an unmatched rest becomes one [UNK]. */
  private wordPiece(word: BasicToken, out: Piece[]): void {
    const n = word.starts.length;
    const whole: [number, number] = [word.starts[0], word.ends[n - 1]];
    if (n > this.maxInputCharsPerWord) {
      out.push({ token: '[UNK]', id: this.unkId, offset: whole });
      return;
    }
    const found: Piece[] = [];
    for (let start = 0; start < n; ) {
      let end = Math.min(n, start + this.maxPieceLength);
      let match: string | undefined;
      for (; end > start; end--) {
        const sub = word.text.slice(word.units[start], word.units[end]);
        const candidate = start > 0 ? `##${sub}` : sub;
        if (this.vocab.has(candidate)) {
          match = candidate;
          break;
        }
      }
      if (match === undefined) {
        out.push({ token: '[UNK]', id: this.unkId, offset: whole });
        return;
      }
      found.push({ token: match, id: this.vocab.get(match)!, offset: [word.starts[start], word.ends[end - 1]] });
      start = end;
    }
    for (const p of found) out.push(p);
  }

  /**
   * `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`. With `maxLength` (special tokens included) a single
   * text is cut at its end; a pair loses tokens from the end of the longer part, the second on ties.
   */
  encode(text: string, pair?: string, opts: { maxLength?: number } = {}): Encoding {
    let a = this.pieces(text);
    let b = pair === undefined ? null : this.pieces(pair);
    let truncated = false;
    if (opts.maxLength !== undefined) {
      const specials = b === null ? 2 : 3;
      const maxLength = opts.maxLength;
      if (!Number.isInteger(maxLength) || maxLength < specials) {
        throw new TokenizerError(
          `maxLength must be an integer of at least ${specials} (the [CLS]/[SEP] tokens), got ${maxLength}.`,
        );
      }
      const budget = maxLength - specials;
      let aLen = a.length;
      let bLen = b?.length ?? 0;
      while (aLen + bLen > budget) {
        if (b === null || aLen > bLen) aLen--;
        else bLen--;
      }
      truncated = aLen < a.length || bLen < (b?.length ?? 0);
      a = a.slice(0, aLen);
      if (b !== null) b = b.slice(0, bLen);
    }
    const enc: Encoding = {
      ids: [], tokens: [], typeIds: [], attentionMask: [], offsets: [], segments: [], truncated,
    };
    const push = (token: string, id: number, type: 0 | 1, offset: [number, number] | null, segment: 0 | 1 | null) => {
      enc.ids.push(id);
      enc.tokens.push(token);
      enc.typeIds.push(type);
      enc.attentionMask.push(1);
      enc.offsets.push(offset);
      enc.segments.push(segment);
    };
    push('[CLS]', this.clsId, 0, null, null);
    for (const p of a) push(p.token, p.id, 0, p.offset, 0);
    push('[SEP]', this.sepId, 0, null, null);
    if (b !== null) {
      for (const p of b) push(p.token, p.id, 1, p.offset, 1);
      push('[SEP]', this.sepId, 1, null, null);
    }
    return enc;
  }

  /**
   * Encodes each item (a text or a [text, pair]) and pads the id rows with [PAD] (type 0,
   * attention 0) to the longest. `encodings` are the unpadded per-item results.
   */
  encodeBatch(
    items: (string | [string, string])[],
    opts: { maxLength?: number } = {},
  ): { inputIds: number[][]; typeIds: number[][]; attentionMask: number[][]; encodings: Encoding[] } {
    const encodings = items.map((it) => (typeof it === 'string' ? this.encode(it, undefined, opts) : this.encode(it[0], it[1], opts)));
    const length = encodings.reduce((m, e) => Math.max(m, e.ids.length), 0);
    const padded = (row: number[], fill: number) => row.concat(new Array<number>(length - row.length).fill(fill));
    return {
      inputIds: encodings.map((e) => padded(e.ids, this.padId)),
      typeIds: encodings.map((e) => padded(e.typeIds, 0)),
      attentionMask: encodings.map((e) => padded(e.attentionMask, 0)),
      encodings,
    };
  }

  convertTokensToIds(tokens: string[]): number[] {
    return tokens.map((t) => this.vocab.get(t) ?? this.unkId);
  }

  convertIdsToTokens(ids: number[]): string[] {
    return ids.map((id) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.idToToken.length) {
        throw new TokenizerError(
          `Token id ${id} is outside this vocabulary (0..${this.idToToken.length - 1}); ` +
            'the ids were probably produced with a different vocab.txt.',
        );
      }
      return this.idToToken[id];
    });
  }

  /**
   * Readable text from ids: "##" pieces join the previous piece; no space next to a CJK
   * character or CJK/full-width punctuation; Latin words spaced and cleaned up like Hugging
   * Face's `clean_up_tokenization` ("hello , world !" → "hello, world!"). `skipSpecial` drops
   * every special token ([CLS] [SEP] [PAD] [MASK] [UNK]), as Hugging Face's skip_special_tokens.
   */
  decode(ids: number[], opts: { skipSpecial?: boolean } = {}): string {
    const tokens = this.convertIdsToTokens(opts.skipSpecial ? ids.filter((id) => !this.specialIds.has(id)) : ids);
    const words: string[] = [];
    for (const t of tokens) {
      if (t.startsWith('##') && t.length > 2 && words.length > 0) words[words.length - 1] += t.slice(2);
      else words.push(t);
    }
    let out = '';
    for (const w of words) {
      if (w === '') continue;
      if (out !== '' && !isWide(lastCodePoint(out)) && !isWide(w.codePointAt(0)!)) out += ' ';
      out += w;
    }
    return cleanUpTokenization(out).normalize('NFC');
  }
}

function lastCodePoint(s: string): number {
  const c = s.charCodeAt(s.length - 1);
  return c >= 0xdc00 && c <= 0xdfff && s.length > 1 ? s.codePointAt(s.length - 2)! : c;
}

/** Scripts and punctuation written without spaces: CJK ideographs, kana, CJK and full-width symbols. */
function isWide(cp: number): boolean {
  return (
    isChineseChar(cp) ||
    (cp >= 0x2e80 && cp <= 0x2fdf) || // CJK radicals
    (cp >= 0x3000 && cp <= 0x30ff) || // CJK symbols and punctuation, hiragana, katakana
    (cp >= 0x3100 && cp <= 0x31ff) || // bopomofo, katakana extensions
    (cp >= 0xfe30 && cp <= 0xfe4f) || // CJK compatibility forms
    (cp >= 0xff00 && cp <= 0xffef) // half- and full-width forms
  );
}

/** Hugging Face `clean_up_tokenization`: no space before . ? ! , and English contractions. */
function cleanUpTokenization(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
