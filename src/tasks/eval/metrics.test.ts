// The pure counting behind the model evaluation, on hand-made inputs with exact answers.
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../decoding/rng';
import { addTopK, copyKey, countNonCopies, countTopK, isCjkCharToken, percent, retrievalTop1, selectMaskPositions } from './metrics';

/** An rng that replays fixed numbers, to check the Fisher–Yates arithmetic by hand. */
function replay(values: number[]): Rng {
  let i = 0;
  return { next: () => values[i++]! };
}

describe('selectMaskPositions', () => {
  it('takes round(rate · n) positions by partial Fisher–Yates', () => {
    // n = 10, rate 0.2 → k = 2. Step 0: j = 0 + floor(0.95 · 10) = 9 → pool[0] = 19.
    // Step 1: j = 1 + floor(0.0 · 9) = 1 → pool[1] stays 11. Sorted: [11, 19].
    const candidates = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    expect(selectMaskPositions(candidates, 0.2, replay([0.95, 0.0]))).toEqual([11, 19]);
    // Step 0: j = floor(0.5 · 10) = 5 → 15; step 1: j = 1 + floor(0.5 · 9) = 5 → pool[5] now holds 10.
    expect(selectMaskPositions(candidates, 0.2, replay([0.5, 0.5]))).toEqual([10, 15]);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const candidates = Array.from({ length: 40 }, (_, i) => i + 1);
    const a = selectMaskPositions(candidates, 0.15, createRng(7));
    const b = selectMaskPositions(candidates, 0.15, createRng(7));
    const c = selectMaskPositions(candidates, 0.15, createRng(8));
    expect(a).toEqual(b);
    expect(a).toHaveLength(6);
    expect(new Set(a).size).toBe(6);
    expect(a.every((p) => candidates.includes(p))).toBe(true);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(c).not.toEqual(a);
  });

  it('masks at least one of a short sentence and nothing of an empty one', () => {
    expect(selectMaskPositions([3, 4], 0.15, replay([0.7]))).toEqual([4]);
    expect(selectMaskPositions([], 0.15, createRng(1))).toEqual([]);
    expect(() => selectMaskPositions([1], 0, createRng(1))).toThrow(RangeError);
  });
});

describe('top-k counting', () => {
  it('counts first-place and top-five hits', () => {
    const targets = [5, 7, 9, 11];
    const ranked = [
      [5, 1, 2, 3, 4], // top-1 hit
      [1, 2, 3, 4, 7], // top-5 hit only
      [1, 2, 3, 4, 6, 9], // sixth: a miss
      [11, 0, 0, 0, 0], // top-1 hit
    ];
    expect(countTopK(targets, ranked)).toEqual({ total: 4, top1: 2, top5: 3 });
    expect(addTopK({ total: 4, top1: 2, top5: 3 }, { total: 6, top1: 1, top5: 2 })).toEqual({ total: 10, top1: 3, top5: 5 });
    expect(percent(3, 4)).toBe(75);
    expect(percent(1, 0)).toBe(0);
    expect(() => countTopK([1], [])).toThrow(RangeError);
  });

  it('recognises single CJK character tokens', () => {
    expect(isCjkCharToken('中')).toBe(true);
    expect(isCjkCharToken('𠀀')).toBe(true); // extension B, two UTF-16 units
    expect(isCjkCharToken('中文')).toBe(false);
    expect(isCjkCharToken('##中')).toBe(false);
    expect(isCjkCharToken('a')).toBe(false);
    expect(isCjkCharToken('，')).toBe(false);
    expect(isCjkCharToken('[MASK]')).toBe(false);
  });
});

describe('retrievalTop1', () => {
  it('scores a row when its partner is strictly the most similar', () => {
    const sim = [
      [0.9, 0.1, 0.2, 0.3], // hit
      [0.5, 0.4, 0.1, 0.0], // miss: column 0 beats the partner
      [0.1, 0.2, 0.8, 0.8], // tie with column 3: a miss
      [0.0, 0.1, 0.2, 0.3], // hit
    ];
    expect(retrievalTop1(sim)).toBe(50);
    expect(retrievalTop1([[1]])).toBe(100);
    expect(() => retrievalTop1([[1, 0]])).toThrow(RangeError);
  });
});

describe('non-copy share', () => {
  it('treats the input up to spaces, punctuation and case as a copy', () => {
    expect(copyKey('如何 打开 File？')).toBe('如何打开file');
    const input = '如何打开文件？';
    const candidates = ['如何打开文件', '如何 打开 文件!', '怎样打开文件？', '打开文件的方法', '如何打开文件夹？'];
    expect(countNonCopies(input, candidates)).toBe(3);
  });
});
