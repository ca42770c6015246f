import { describe, expect, it } from 'vitest';
import { compareConsistency } from './consistency';
import { markovModel, statefulPredict } from './fake-models.testutil';
import { randomSample } from './random-sample';
import { createRng } from './rng';

// Five tokens, end = 4 with 2 % of the mass after every token: outside any top-2 or 0.8-nucleus.
const model = markovModel(
  Array.from({ length: 6 }, () => [0.3, 0.26, 0.22, 0.2, 0.02]),
  4,
);

describe('compareConsistency', () => {
  it('counts samples that hit maxLength, plain vs consistent, from the same seed', async () => {
    const { predict, reorder } = statefulPredict(model);
    const variants: string[] = [];
    const report = await compareConsistency(predict, null, {
      endId: 4,
      maxLength: 80,
      n: 30,
      topP: 0.8,
      seed: 5,
      reorder,
      onStep: (variant) => {
        if (variants.at(-1) !== variant) variants.push(variant);
      },
    });
    expect(variants).toEqual(['plain', 'consistent']);
    expect(report.plain.hitMaxLength).toBe(30);
    expect(report.plain.meanLength).toBe(80);
    // kept end mass 0.02 / 0.80 = 0.025 per step: P(no end in 80) ≈ 0.13 → about 4 of 30
    expect(report.consistent.hitMaxLength).toBeLessThan(12);
    expect(report.consistent.meanLength).toBeLessThan(60);

    // Each variant is exactly randomSample with that seed.
    const again = await randomSample(statefulPredict(model).predict, null, {
      endId: 4,
      maxLength: 80,
      n: 30,
      topP: 0.8,
      consistent: true,
      rng: createRng(5),
      reorder,
    });
    expect(report.consistent.samples).toEqual(again);
    expect(report.consistent.hitMaxLength).toBe(again.filter((s) => !s.ended).length);
  });
});
