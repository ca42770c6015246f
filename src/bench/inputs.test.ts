import { describe, expect, it } from 'vitest';
import { bestBy, compare } from './aggregate';
import { BERT_BASE_CHINESE_VOCAB, forwardVocab, makeForwardBatch, maxAbsDiff, median, minimum, shapeKey } from './inputs';

describe('makeForwardBatch', () => {
  it('builds [CLS] words [SEP] rows, shorter rows padded, identical for the same shape', () => {
    const b = makeForwardBatch({ batch: 8, length: 64 }, BERT_BASE_CHINESE_VOCAB);
    expect(b.ids.length).toBe(8 * 64);
    for (let r = 0; r < 8; r++) {
      const row = [...b.ids.subarray(r * 64, (r + 1) * 64)];
      const mask = [...b.mask.subarray(r * 64, (r + 1) * 64)];
      const real = mask.filter((m) => m === 1).length;
      expect(real).toBe(64 - Math.floor((r * 64) / 16));
      expect(mask.slice(0, real).every((m) => m === 1) && mask.slice(real).every((m) => m === 0)).toBe(true);
      expect(row[0]).toBe(101);
      expect(row[real - 1]).toBe(102);
      expect(row.slice(1, real - 1).every((id) => id >= 104 && id < 21128)).toBe(true);
      expect(row.slice(real).every((id) => id === 0)).toBe(true);
      const types = [...b.types.subarray(r * 64, r * 64 + real)];
      expect(types.some((t) => t === 1)).toBe(r % 2 === 1);
    }
    expect(makeForwardBatch({ batch: 8, length: 64 }, BERT_BASE_CHINESE_VOCAB).ids).toEqual(b.ids);
    expect(makeForwardBatch({ batch: 1, length: 16 }, BERT_BASE_CHINESE_VOCAB).mask.every((m) => m === 1)).toBe(true);
  });

  it('takes the special ids of a small vocabulary (specials first, as the playground vocabulary)', () => {
    const vocab = forwardVocab(7395, { padId: 0, unkId: 1, clsId: 2, sepId: 3, maskId: 4 });
    expect(vocab).toEqual({ size: 7395, clsId: 2, sepId: 3, firstWordId: 5 });
    const b = makeForwardBatch({ batch: 2, length: 16 }, vocab);
    expect(b.ids[0]).toBe(2);
    expect(b.ids[15]).toBe(3);
    expect([...b.ids.subarray(1, 15)].every((id) => id >= 5 && id < 7395)).toBe(true);
    expect(forwardVocab(21128, { padId: 0, unkId: 100, clsId: 101, sepId: 102, maskId: 103 })).toEqual(BERT_BASE_CHINESE_VOCAB);
    expect(() => forwardVocab(5, { padId: 0, unkId: 1, clsId: 2, sepId: 3, maskId: 4 })).toThrow(RangeError);
  });

  it('refuses shapes that cannot hold [CLS] and [SEP]', () => {
    expect(() => makeForwardBatch({ batch: 1, length: 1 }, BERT_BASE_CHINESE_VOCAB)).toThrow(RangeError);
    expect(() => makeForwardBatch({ batch: 0, length: 8 }, BERT_BASE_CHINESE_VOCAB)).toThrow(RangeError);
  });
});

describe('numbers', () => {
  it('maxAbsDiff never calls NaN or a length mismatch close', () => {
    expect(maxAbsDiff(Float32Array.of(1, 2, 3), Float32Array.of(1, 2.5, 2))).toBe(1);
    expect(maxAbsDiff(Float32Array.of(1, NaN), Float32Array.of(1, 1))).toBe(Infinity);
    expect(maxAbsDiff(Float32Array.of(NaN, 5), Float32Array.of(1, 1))).toBe(Infinity);
    expect(maxAbsDiff(Float32Array.of(1), Float32Array.of(1, 1))).toBe(Infinity);
  });

  it('median, minimum, key', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(minimum([4, 1, 3])).toBe(1);
    expect(shapeKey({ batch: 8, length: 64 })).toBe('b8l64');
  });

  it('compare pools passes; ratio is peer / ours; bestBy picks the lowest', () => {
    const c = compare([[10, 12], [11]], [[20], [24, 22]]);
    expect(c.ours.medianMs).toBe(11);
    expect(c.peer.medianMs).toBe(22);
    expect(c.ratio).toBe(2);
    expect(c.ratioOfMinimums).toBe(2);
    expect(c.ours.passMediansMs).toEqual([11, 11]);
    expect(bestBy([{ t: 1, m: 9 }, { t: 2, m: 7 }], (x) => x.m).t).toBe(2);
  });
});
