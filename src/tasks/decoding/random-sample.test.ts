import { describe, expect, it } from 'vitest';
import type { StepPartial } from './common';
import { markovModel, prefixModel, randomMarkovTable, statefulPredict } from './fake-models.testutil';
import { chain, softmax, temperature, topK, topP } from './processors';
import { randomSample } from './random-sample';
import { createRng } from './rng';

const V = 5;
const END = 4;
/** Nearly uniform transitions: high entropy, so different seeds give different samples. */
const flat = markovModel(randomMarkovTable(createRng(21), V, END, 0.3).map((r) => r.map((p) => 1 + 0.1 * p)), END);

describe('randomSample', () => {
  it('is reproducible for a seed and differs across seeds', async () => {
    const run = async (seed: number) => {
      const { predict, reorder } = statefulPredict(flat);
      return randomSample(predict, null, { endId: END, maxLength: 10, n: 8, topK: 4, rng: createRng(seed), reorder });
    };
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
  });

  it('runs the n candidates as one shrinking batch, reordering the state as rows finish', async () => {
    const model = prefixModel(V, END, 3, 2, -0.5);
    const { predict, reorder, log } = statefulPredict(model); // throws if the state falls out of step
    const partials: StepPartial[] = [];
    const out = await randomSample(predict, null, { endId: END, maxLength: 12, n: 10, rng: createRng(4), reorder, onStep: (p) => partials.push(p) });
    expect(out).toHaveLength(10);
    expect(log.rows[0]).toBe(1); // the prompt runs once, then fans out
    expect(log.rows.slice(1)).toEqual(partials.slice(0, -1).map((p) => p.outputIds.length));
    expect(log.rows[1]).toBeLessThanOrEqual(10);
    expect(log.rows.at(-1)!).toBeLessThan(10); // some candidates finished and left the batch
    for (const c of out) {
      expect(c.ended).toBe(c.ids.at(-1) === END);
      if (!c.ended) expect(c.ids).toHaveLength(12);
      expect(c.ids.slice(0, -1)).not.toContain(END);
    }
    const last = partials.at(-1)!;
    expect(last.finished.length).toBe(out.filter((c) => c.ended).length);
  });

  it('draws tokens with the filtered probabilities (temperature → top-k → top-p)', async () => {
    const model = markovModel(randomMarkovTable(createRng(8), V, END), END);
    const n = 20_000;
    const opts = { temperature: 0.7, topK: 4, topP: 0.8 };
    const { predict } = statefulPredict(model);
    const out = await randomSample(predict, null, { endId: END, maxLength: 1, n, rng: createRng(9), consistent: false, ...opts });
    const expected = softmax(
      chain(temperature(opts.temperature), topK(opts.topK, { consistent: false }), topP(opts.topP, { consistent: false }))(model.logProbsFor([])),
    );
    expect(expected.filter((p) => p === 0).length).toBeGreaterThan(0); // the filters bite
    const counts = new Array<number>(V).fill(0);
    for (const c of out) counts[c.ids[0]!]!++;
    expected.forEach((p, t) => {
      if (p === 0) expect(counts[t]).toBe(0);
      else expect(Math.abs(counts[t]! / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    });
  });

  it('honours minEnds, minLength and the no-repeat n-gram ban', async () => {
    const model = prefixModel(V, END, 5, 1, 1);
    const { predict, reorder } = statefulPredict(model);
    const out = await randomSample(predict, null, { endId: END, maxLength: 30, n: 30, minEnds: 2, minLength: 3, noRepeatNgramSize: 3, rng: createRng(6), reorder });
    for (const c of out) {
      const ends = c.ids.filter((t) => t === END).length;
      expect(ends).toBe(c.ended ? 2 : ends); // ended means exactly the second end token
      if (c.ended) expect(c.ids.at(-1)).toBe(END);
      expect(c.ids.slice(0, 3)).not.toContain(END);
      const grams = c.ids.slice(0, -2).map((_, i) => c.ids.slice(i, i + 3).join(','));
      expect(new Set(grams).size).toBe(grams.length);
    }
    expect(out.some((c) => c.ended)).toBe(true);
  });
});

describe('consistent sampling', () => {
  // The end token has 2 % of the mass everywhere: never in a top-2 set.
  const rareEnd = markovModel(
    Array.from({ length: V + 1 }, (_, s) => [0.3, 0.25, 0.23, 0.2, 0.02].map((p, t) => (t === (s % 4) ? p + 0.01 : p))),
    END,
  );
  it('ends far more samples before maxLength than plain top-k on the same seed', async () => {
    const run = async (consistent: boolean) => {
      const { predict, reorder } = statefulPredict(rareEnd);
      return randomSample(predict, null, { endId: END, maxLength: 100, n: 40, topK: 2, consistent, rng: createRng(12), reorder });
    };
    const plain = await run(false);
    const consistent = await run(true);
    const hits = (xs: { ended: boolean }[]) => xs.filter((x) => !x.ended).length;
    expect(hits(plain)).toBe(40); // the end token is never a candidate
    // With end kept, each step ends with p ≈ 0.02 / 0.57 ≈ 0.035: P(no end in 100) ≈ 0.03.
    expect(hits(consistent)).toBeLessThan(8);
  });
});
