import { describe, expect, it } from 'vitest';
import { adjacentImpacts, forcedJoins, otsuThreshold, segmentAt, segmentSpans, splitTree } from './segmentation';

describe('segmentation from impacts', () => {
  it('averages the two directed impacts of each adjacent pair', () => {
    const m = [
      [0, 4, 1],
      [2, 0, 6],
      [9, 8, 0],
    ];
    expect(adjacentImpacts(m)).toEqual([3, 7]);
  });

  it("Otsu's threshold falls in the widest gap between two groups", () => {
    expect(otsuThreshold([1, 1.2, 0.9, 5, 5.5, 4.8])).toBeCloseTo((1.2 + 4.8) / 2, 12);
    // Groups of unequal size.
    expect(otsuThreshold([2, 2.1, 2.2, 6, 6.1, 6.3, 6.2])).toBeCloseTo((2.2 + 6) / 2, 12);
    // Brute force over every cut agrees on random data.
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 20; trial++) {
      const v = Array.from({ length: 3 + (trial % 9) }, () => rand() * 10);
      const s = [...v].sort((a, b) => a - b);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      let best = -1;
      let want = 0;
      for (let k = 1; k < s.length; k++) {
        const score = (k / s.length) * (1 - k / s.length) * (mean(s.slice(0, k)) - mean(s.slice(k))) ** 2;
        if (score > best) [best, want] = [score, (s[k - 1]! + s[k]!) / 2];
      }
      expect(otsuThreshold(v)).toBeCloseTo(want, 12);
    }
  });

  it('with fewer than two distinct values every pair merges', () => {
    expect(otsuThreshold([3])).toBe(3);
    expect(otsuThreshold([2, 2, 2])).toBe(2);
    expect(segmentSpans([3], [false], otsuThreshold([3]))).toEqual([[0, 2]]);
  });

  it('cuts where the impact is below the threshold, never inside a WordPiece word', () => {
    expect(forcedJoins(['我', 'bert', '##s', '##'])).toEqual([false, true, false]);
    expect(segmentSpans([5, 1, 6, 0.5], [false, false, false, false], 3)).toEqual([[0, 2], [2, 4], [4, 5]]);
    expect(segmentSpans([5, 1, 6, 0.5], [false, true, false, true], 3)).toEqual([[0, 5]]);
    const r = { text: '我 爱 北京', adjacent: [1, 9], joined: [false, false], offsets: [[0, 1], [2, 3], [4, 5]] as [number, number][] };
    expect(segmentAt(r, 5)).toEqual([
      { start: 0, end: 1, from: 0, to: 1, text: '我' },
      { start: 1, end: 3, from: 2, to: 5, text: '爱 北' },
    ]);
  });

  it('splits the tree where within-block distances are high and across-block ones low', () => {
    // Words 0-1 and 2-4 hang together; inside 2-4, word 2 is loosest.
    const d = [
      [0, 9, 1, 1, 1],
      [9, 0, 1, 1, 1],
      [1, 1, 0, 4, 4],
      [1, 1, 4, 0, 9],
      [1, 1, 4, 9, 0],
    ];
    const words = ['我们', '明天', '去', '北京', '玩'];
    const tree = splitTree(d, 5, (lo, hi) => words.slice(lo, hi).join(''));
    const shape = (n: typeof tree): unknown => (n.children.length ? n.children.map(shape) : n.text);
    expect(shape(tree)).toEqual([['我们', '明天'], ['去', ['北京', '玩']]]);
    expect(tree.text).toBe('我们明天去北京玩');
    expect(splitTree([[0]], 1, () => 'x')).toEqual({ start: 0, end: 1, text: 'x', children: [] });
  });
});
