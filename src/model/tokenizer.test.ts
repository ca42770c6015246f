import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BertTokenizer, TokenizerError, parseVocab } from './tokenizer';

const fixture = (p: string) => fileURLToPath(new URL(`../../tests/fixtures/${p}`, import.meta.url));
const vocabText = readFileSync(fixture('hf-tiny-bert-zh/vocab.txt'), 'utf8');
const tok = BertTokenizer.fromVocabText(vocabText);

interface TokenizerCase {
  text: string;
  tokens: string[];
  ids: number[];
  input_ids: number[];
  basic_tokens: string[];
}
const tokenizerCases: TokenizerCase[] = JSON.parse(
  readFileSync(fixture('reference/tokenizer-cases.json'), 'utf8'),
).cases;

interface ModelInputs {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  tokens: string[][];
}
const modelReference: Record<'cases' | 'unilm_cases' | 'ig_cases', { id: string; texts: (string | [string, string])[]; inputs: ModelInputs }[]> =
  JSON.parse(readFileSync(fixture('reference/tiny-bert-zh-reference.json'), 'utf8'));

/** Test name: index plus the text with non-ASCII escaped, so every case is identifiable. */
const caseName = (c: TokenizerCase, i: number) => {
  const escaped = JSON.stringify(c.text).replace(/[^\x20-\x7e]/gu, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
  return `#${i} ${escaped.length > 70 ? `${escaped.slice(0, 70)}…` : escaped} (${[...c.text].length} code points)`;
};

describe('BertTokenizer matches Hugging Face BertTokenizer (tokenizer-cases.json)', () => {
  tokenizerCases.forEach((c, i) => {
    it(caseName(c, i), () => {
      const tokens = tok.tokenize(c.text);
      expect(tokens).toEqual(c.tokens);
      expect(tok.convertTokensToIds(tokens)).toEqual(c.ids);
      expect(tok.encode(c.text).ids).toEqual(c.input_ids);
      expect(tok.basicTokenize(c.text)).toEqual(c.basic_tokens);
    });
  });
});

/** What the pipeline does to a span of original text: lower-case, NFD, drop marks and removed characters. */
const normalizeSpan = (s: string) => s.toLowerCase().normalize('NFD').replace(/[\p{Mn}\p{C}\uFFFD]/gu, '');

describe('offsets map tokens back to the original text', () => {
  tokenizerCases.forEach((c, i) => {
    it(`substrings agree with tokens: ${caseName(c, i)}`, () => {
      const { tokens, offsets } = tok.tokenizeWithOffsets(c.text);
      expect(offsets).toHaveLength(tokens.length);
      tokens.forEach((t, k) => {
        const [start, end] = offsets[k];
        expect(start).toBeGreaterThanOrEqual(k > 0 ? offsets[k - 1][0] : 0);
        expect(end).toBeGreaterThan(start);
        expect(end).toBeLessThanOrEqual(c.text.length);
        if (t === '[UNK]') return;
        const sub = c.text.slice(start, end);
        if (['[MASK]', '[CLS]', '[SEP]', '[PAD]'].includes(t)) {
          expect(sub).toBe(t);
          return;
        }
        const piece = t.startsWith('##') ? t.slice(2) : t;
        // Pieces of one decomposed character (Hangul jamo) share that character's span.
        const shared = [offsets[k - 1], offsets[k + 1]].some((o) => o !== undefined && o[0] === start && o[1] === end);
        if (shared) expect(normalizeSpan(sub)).toContain(piece);
        else expect(normalizeSpan(sub)).toBe(piece);
      });
    });
  });

  it('follows lower-casing, accents, CJK and removed control characters', () => {
    expect(tok.tokenizeWithOffsets('Héllo世界')).toEqual({ tokens: ['hello', '世', '界'], offsets: [[0, 5], [5, 6], [6, 7]] });
    // NFD input: "é" is two code units, the word grows to six.
    expect(tok.tokenizeWithOffsets('He\u0301llo世').offsets).toEqual([[0, 6], [6, 7]]);
    expect(tok.tokenizeWithOffsets('a\u0000b\u0001c\uFFFD d')).toEqual({ tokens: ['abc', 'd'], offsets: [[0, 5], [7, 8]] });
    // "İ" lower-cases to "i" + U+0307 (two code points), then the mark is stripped.
    expect(tok.tokenizeWithOffsets('İs')).toEqual({ tokens: ['is'], offsets: [[0, 2]] });
  });

  it('splits wordpieces inside the word and gives [UNK] the whole word', () => {
    expect(tok.tokenizeWithOffsets('  unaffable!')).toEqual({
      tokens: ['u', '##na', '##ff', '##able', '!'],
      offsets: [[2, 3], [3, 5], [5, 7], [7, 11], [11, 12]],
    });
    // Emoji and CJK Ext-B are surrogate pairs: two UTF-16 units each.
    expect(tok.tokenizeWithOffsets('😀😂 ok')).toEqual({ tokens: ['[UNK]', 'ok'], offsets: [[0, 4], [5, 7]] });
    expect(tok.tokenizeWithOffsets('𠀀𪚥〇')).toEqual({ tokens: ['[UNK]', '[UNK]', '〇'], offsets: [[0, 2], [2, 4], [4, 5]] });
    const long = 'a'.repeat(101);
    expect(tok.tokenizeWithOffsets(`x ${long}`)).toEqual({ tokens: ['x', '[UNK]'], offsets: [[0, 1], [2, 103]] });
  });

  it('gives every jamo of a Hangul syllable the syllable', () => {
    const { tokens, offsets } = tok.tokenizeWithOffsets('안녕');
    expect(tokens).toEqual(['ᄋ', '##ᅡ', '##ᆫ', '##ᄂ', '##ᅧ', '##ᆼ']);
    expect(offsets).toEqual([[0, 1], [0, 1], [0, 1], [1, 2], [1, 2], [1, 2]]);
  });
});

describe('special tokens', () => {
  it('are never split, even glued to words, and keep their offsets', () => {
    expect(tok.tokenizeWithOffsets('x[MASK]y')).toEqual({ tokens: ['x', '[MASK]', 'y'], offsets: [[0, 1], [1, 7], [7, 8]] });
    expect(tok.tokenize('中国的首都是[MASK][MASK]。')).toEqual(['中', '国', '的', '首', '都', '是', '[MASK]', '[MASK]', '。']);
    expect(tok.tokenize('[SEP][CLS][PAD][UNK]')).toEqual(['[SEP]', '[CLS]', '[PAD]', '[UNK]']);
    // Only the exact spelling is special.
    expect(tok.tokenize('[mask]')).toEqual(['[', 'ma', '##sk', ']']);
  });

  it('can be extended with other vocabulary entries', () => {
    expect(tok.tokenize('a[unused1]b')).toEqual(['a', '[', 'u', '##nus', '##ed', '##1', ']', 'b']);
    const withExtra = BertTokenizer.fromVocabText(vocabText, { extraSpecialTokens: ['[unused1]'] });
    expect(withExtra.tokenize('a[unused1]b')).toEqual(['a', '[unused1]', 'b']);
    expect(() => BertTokenizer.fromVocabText(vocabText, { extraSpecialTokens: ['<s>'] })).toThrow(TokenizerError);
  });
});

describe('encode', () => {
  it('encodes a pair with type ids, segments and per-segment offsets', () => {
    const e = tok.encode('今天天气', 'Hi世界');
    expect(e.tokens).toEqual(['[CLS]', '今', '天', '天', '气', '[SEP]', 'hi', '世', '界', '[SEP]']);
    expect(e.ids).toEqual([101, 791, 1921, 1921, 3698, 102, ...tok.convertTokensToIds(['hi']), 686, 4518, 102]);
    expect(e.typeIds).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(e.attentionMask).toEqual(new Array(10).fill(1));
    expect(e.segments).toEqual([null, 0, 0, 0, 0, null, 1, 1, 1, null]);
    expect(e.offsets).toEqual([null, [0, 1], [1, 2], [2, 3], [3, 4], null, [0, 2], [2, 3], [3, 4], null]);
    expect(e.truncated).toBe(false);
  });

  it('truncates pairs longest-first, the second part on ties', () => {
    // 6 + 4 tokens, budget 10 - 3 = 7: two from the longer first part, then one from the second.
    const e10 = tok.encode('今天天气很好', '你好世界', { maxLength: 10 });
    expect(e10.tokens).toEqual(['[CLS]', '今', '天', '天', '气', '[SEP]', '你', '好', '世', '[SEP]']);
    expect(e10.typeIds).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(e10.truncated).toBe(true);
    // Budget 6: 4 + 4, then one from each.
    const e9 = tok.encode('今天天气很好', '你好世界', { maxLength: 9 });
    expect(e9.tokens).toEqual(['[CLS]', '今', '天', '天', '[SEP]', '你', '好', '世', '[SEP]']);
    // Second part longer: it alone loses tokens.
    const e8 = tok.encode('你好', '今天天气很好', { maxLength: 8 });
    expect(e8.tokens).toEqual(['[CLS]', '你', '好', '[SEP]', '今', '天', '天', '[SEP]']);
    expect(tok.encode('今天天气很好', '你好世界', { maxLength: 13 }).truncated).toBe(false);
  });

  it('truncates a single text at its end, counting [CLS] and [SEP]', () => {
    const e = tok.encode('今天天气很好', undefined, { maxLength: 5 });
    expect(e.ids).toEqual([101, 791, 1921, 1921, 102]);
    expect(e.truncated).toBe(true);
    expect(tok.encode('今天', undefined, { maxLength: 4 }).truncated).toBe(false);
    expect(() => tok.encode('今天', '你好', { maxLength: 2 })).toThrow(TokenizerError);
  });

  describe('reproduces the model inputs of tiny-bert-zh-reference.json', () => {
    const all = [...modelReference.cases, ...modelReference.unilm_cases, ...modelReference.ig_cases];
    for (const c of all) {
      it(c.id, () => {
        const batch = tok.encodeBatch(c.texts);
        expect(batch.inputIds).toEqual(c.inputs.input_ids);
        expect(batch.typeIds).toEqual(c.inputs.token_type_ids);
        expect(batch.attentionMask).toEqual(c.inputs.attention_mask);
        expect(batch.inputIds.map((row) => tok.convertIdsToTokens(row))).toEqual(c.inputs.tokens);
      });
    }
  });
});

describe('decode', () => {
  it('round-trips Chinese text without spaces', () => {
    expect(tok.decode(tok.encode('今天天气很好。').ids, { skipSpecial: true })).toBe('今天天气很好。');
    expect(tok.decode(tok.encode('今天').ids)).toBe('[CLS]今天[SEP]');
  });

  it('spaces Latin words, joins wordpieces and cleans up punctuation', () => {
    const ids = tok.encode('Hello, World! 你好，世界！unaffable tokenization').ids;
    expect(tok.decode(ids, { skipSpecial: true })).toBe('hello, world!你好，世界！unaffable tokenization');
    expect(tok.decode(tok.encode("don't stop").ids, { skipSpecial: true })).toBe("don't stop");
    expect(tok.decode(tok.encode('안녕하세요 세계').ids, { skipSpecial: true })).toBe('안녕하세요 세계');
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tok.decode([101, 21128])).toThrow(TokenizerError);
    expect(() => tok.convertIdsToTokens([-1])).toThrow(TokenizerError);
  });
});

describe('vocabulary and options', () => {
  it('splits vocab.txt on "\\n" only and drops a trailing "\\r"', () => {
    expect(tok.idToToken).toHaveLength(21128);
    expect(tok.idToToken[343]).toBe('\u2028');
    expect(tok.vocab.get('\u2028')).toBe(343);
    expect([tok.padId, tok.unkId, tok.clsId, tok.sepId, tok.maskId]).toEqual([0, 100, 101, 102, 103]);
    expect(parseVocab('[PAD]\r\na\u2028b\r\n')).toEqual(['[PAD]', 'a\u2028b']);
    const crlf = BertTokenizer.fromVocabText(vocabText.replaceAll('\n', '\r\n'));
    expect(crlf.tokenize('今天hello')).toEqual(['今', '天', 'hello']);
  });

  it('rejects a vocabulary without the BERT special tokens', () => {
    expect(() => BertTokenizer.fromVocabText('[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n')).toThrow(/no \[MASK\] token/);
  });

  it('keeps case and accents (NFC only) when doLowerCase is false', () => {
    const cased = BertTokenizer.fromVocabText(vocabText, { doLowerCase: false });
    expect(cased.basicTokenize('Cafe\u0301 ABC [MASK]')).toEqual(['Café', 'ABC', '[MASK]']);
    // The NFC-composed word still covers all five original code units.
    expect(cased.tokenizeWithOffsets('Cafe\u0301!').offsets).toEqual([[0, 5], [5, 6]]);
  });

  it('turns words longer than maxInputCharsPerWord into [UNK]', () => {
    const short = BertTokenizer.fromVocabText(vocabText, { maxInputCharsPerWord: 5 });
    expect(short.tokenize('hello helloo')).toEqual(['hello', '[UNK]']);
  });
});

describe('performance', () => {
  it('tokenizes 10k Chinese characters in well under 100 ms', () => {
    const text = '今天天气很好，我们去公园散步吧。'.repeat(700).slice(0, 10_000);
    expect(tok.tokenize(text)).toHaveLength(10_000);
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      tok.encode(text);
      best = Math.min(best, performance.now() - t0);
    }
    expect(best).toBeLessThan(100);
  });
});
