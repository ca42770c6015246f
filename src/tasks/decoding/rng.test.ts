import { describe, expect, it } from 'vitest';
import { createRng, sampleIndex } from './rng';

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
