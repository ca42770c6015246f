import { describe, expect, it } from 'vitest';
import { categoricalFromScores, createRng, drawCategorical, sampleIndex } from './rng';

describe('createRng', () => {
  it('is reproducible per seed and differs across seeds', () => {
    const take = (seed: number) => {
      const r = createRng(seed);
      return Array.from({ length: 8 }, () => r.next());
    };
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
    expect(take(0)).not.toEqual(take(1));
  });

  it('draws uniformly in [0, 1)', () => {
    const r = createRng(7);
    const bins = new Array<number>(10).fill(0);
    const n = 100_000;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      if (!(x >= 0 && x < 1)) outside++;
      else bins[Math.floor(x * 10)]!++;
    }
    expect(outside).toBe(0);
    // each bin ~ Binomial(n, 0.1): sd ≈ 95; 5 sd tolerance
    for (const b of bins) expect(Math.abs(b - n / 10)).toBeLessThan(475);
  });
});

describe('sampleIndex', () => {
  it('draws in proportion to the weights and never a zero weight', () => {
    const weights = [0, 0.5, 0, 0.2, 0.3, 0];
    const r = createRng(11);
    const counts = new Array<number>(weights.length).fill(0);
    const n = 50_000;
    for (let i = 0; i < n; i++) counts[sampleIndex(weights, r)]!++;
    weights.forEach((w, i) => {
      if (w === 0) expect(counts[i]).toBe(0);
      else expect(Math.abs(counts[i]! / n - w)).toBeLessThan(5 * Math.sqrt((w * (1 - w)) / n));
    });
  });

  it('accepts unnormalised weights and rejects an empty distribution', () => {
    const r = createRng(1);
    for (let i = 0; i < 100; i++) expect([1, 2]).toContain(sampleIndex([0, 3, 7], r));
    expect(() => sampleIndex([0, 0], r)).toThrow(/no positive/);
  });
});

describe('categoricalFromScores / drawCategorical', () => {
  it('draws from softmax of the finite scores', () => {
    const scores = [Math.log(3), -Infinity, Math.log(1), Math.log(6), -Infinity];
    const c = categoricalFromScores(scores)!;
    expect(Array.from(c.ids)).toEqual([0, 2, 3]);
    const r = createRng(2);
    const n = 40_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const t = drawCategorical(c, r);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    for (const [t, p] of [
      [0, 0.3],
      [2, 0.1],
      [3, 0.6],
    ] as const) {
      expect(Math.abs(counts.get(t)! / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
    expect(counts.size).toBe(3);
    expect(categoricalFromScores([-Infinity, -Infinity])).toBeNull();
  });

  it('agrees with sampleIndex on the same stream (same inverse CDF)', () => {
    const scores = [0.5, -1, 2, 0, 1.5];
    const probs = scores.map(Math.exp);
    const c = categoricalFromScores(scores)!;
    const a = createRng(9);
    const b = createRng(9);
    for (let i = 0; i < 1000; i++) expect(drawCategorical(c, a)).toBe(sampleIndex(probs, b));
  });
});
