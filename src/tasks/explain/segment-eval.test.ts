import { describe, expect, it } from 'vitest';
import { addCounts, allGaps, countBoundaries, gapsOfSpans, gapsOfWords, score } from './segment-eval';

describe('word-boundary scores', () => {
  const text = '今天 天气很好';
  // tokens: 今 天 天 气 很 好, with a space after the second
  const offsets: [number, number][] = [[0, 1], [1, 2], [3, 4], [4, 5], [5, 6], [6, 7]];

  it('maps reference words onto the gaps between tokens, across spaces and not inside tokens', () => {
    expect(gapsOfWords(['今天', ' ', '天气', '很', '好'], offsets, text)).toEqual(new Set([1, 3, 4]));
    expect(gapsOfWords(['今天', '天气很好'], offsets, text)).toEqual(new Set([1]));
    expect(() => gapsOfWords(['明天'], offsets, text)).toThrow(/not in the text/);
  });

  it('scores precision, recall and F1, and the all-cuts baseline has recall 1', () => {
    const gold = gapsOfWords(['今天', ' ', '天气', '很', '好'], offsets, text);
    const pred = gapsOfSpans([{ start: 0, end: 2 }, { start: 2, end: 3 }, { start: 3, end: 6 }]); // 今天|天|气很好
    expect(pred).toEqual(new Set([1, 2]));
    const s = score(countBoundaries(pred, gold));
    expect([s.precision, s.recall]).toEqual([0.5, 1 / 3]);
    expect(s.f1).toBeCloseTo(0.4, 12);
    const base = score(countBoundaries(allGaps(6), gold));
    expect([base.precision, base.recall]).toEqual([3 / 5, 1]);
    const total = score(addCounts(countBoundaries(pred, gold), countBoundaries(allGaps(6), gold)));
    expect(total.correct).toBe(4);
    expect(score({ predicted: 0, gold: 0, correct: 0 }).f1).toBe(0);
  });
});
