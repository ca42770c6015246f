import { describe, expect, it } from 'vitest';
import { createRng } from './rng';
import { TopKHeap, argmaxRow, topIndices } from './select';

describe('topIndices', () => {
  it('matches a full sort on a 21128-token row with many ties', () => {
    const rng = createRng(3);
    // Quantised values so that ties are common; a few banned tokens.
    const row = Float32Array.from({ length: 21128 }, (_, i) => (i % 97 === 0 ? -Infinity : Math.floor(rng.next() * 500)));
    const order = Array.from(row.keys()).filter((i) => row[i]! > -Infinity).sort((a, b) => row[b]! - row[a]! || a - b);
    for (const k of [1, 5, 50, 400]) expect(topIndices(row, k)).toEqual(order.slice(0, k));
  });

  it('returns fewer than k when the row has fewer finite entries', () => {
    expect(topIndices([-Infinity, 1, -Infinity, 2], 3)).toEqual([3, 1]);
  });
});

describe('TopKHeap', () => {
  it('keeps the best pairs regardless of insertion order, ties to the lower key', () => {
    const pairs = [
      [1, 10],
      [5, 3],
      [5, 1],
      [2, 7],
      [5, 2],
      [4, 0],
    ] as const;
    const heap = new TopKHeap(3);
    for (const [s, k] of [...pairs].reverse()) heap.push(s, k);
    expect(heap.sorted()).toEqual([
      { score: 5, key: 1 },
      { score: 5, key: 2 },
      { score: 5, key: 3 },
    ]);
    expect(heap.threshold).toBe(5);
  });
});

describe('argmaxRow', () => {
  it('prefers the lower index and reports a fully banned row', () => {
    expect(argmaxRow([1, 3, 3])).toBe(1);
    expect(argmaxRow([-Infinity, -Infinity])).toBe(-1);
  });
});
