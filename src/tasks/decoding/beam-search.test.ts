import { describe, expect, it } from 'vitest';
import { beamSearch } from './beam-search';
import type { StepPartial } from './common';
import { exhaustive, markovModel, prefixModel, randomMarkovTable, statefulPredict, type FakeModel } from './fake-models.testutil';
import { logSoftmax } from './processors';
import { createRng } from './rng';

const V = 5;
const END = 4;

function models(seed: number): [string, FakeModel][] {
  return [
    ['markov', markovModel(randomMarkovTable(createRng(seed), V, END), END)],
    ['prefix', prefixModel(V, END, seed)],
  ];
}

/** Summed log-prob of `ids` under the model, as the decoder accumulates it. */
function logProbOf(model: FakeModel, ids: number[]): number {
  let s = 0;
  ids.forEach((t, i) => (s += logSoftmax(model.logProbsFor(ids.slice(0, i)))[t]!));
  return s;
}

describe('beamSearch equals exhaustive search when the beam spans the hypothesis space', () => {
  const maxLength = 4;
  for (const seed of [1, 2, 3, 4, 5]) {
    for (const [kind, model] of models(seed)) {
      for (const lengthPenalty of [0, 0.6, 1]) {
        for (const minEnds of [1, 2]) {
          it(`seed ${seed}, ${kind} model, α=${lengthPenalty}, minEnds=${minEnds}`, async () => {
            const { predict, reorder } = statefulPredict(model);
            const nBest = 6;
            const beam = await beamSearch(predict, null, {
              endId: END,
              maxLength,
              minEnds,
              lengthPenalty,
              beamSize: V ** maxLength, // wider than any step's set of live prefixes
              nBest,
              reorder,
            });
            const all = exhaustive(model, { maxLength, minEnds, lengthPenalty });
            expect(beam).toHaveLength(nBest);
            for (let i = 0; i < nBest; i++) {
              expect(beam[i]!.ids).toEqual(all[i]!.ids);
              expect(beam[i]!.score).toBeCloseTo(all[i]!.score, 12);
              expect(beam[i]!.logProb).toBeCloseTo(all[i]!.logProb, 12);
              expect(beam[i]!.ended).toBe(all[i]!.ended);
            }
          });
        }
      }
    }
  }
});

describe('beamSearch with a narrow beam', () => {
  for (const seed of [11, 12, 13]) {
    const rarerEnd: [string, FakeModel][] = [
      ['markov', markovModel(randomMarkovTable(createRng(seed), V, END, 0.3), END)],
      ['prefix', prefixModel(V, END, seed, 2, -1.5)],
    ];
    for (const [kind, model] of rarerEnd) {
      it(`keeps exactly the top-beamSize non-ending expansions each step (seed ${seed}, ${kind})`, async () => {
        const { predict, reorder } = statefulPredict(model);
        const beamSize = 3;
        const partials: StepPartial[] = [];
        await beamSearch(predict, null, { endId: END, maxLength: 7, beamSize, reorder, onStep: (p) => partials.push(p) });
        expect(partials.length).toBeGreaterThan(2);
        let previous: { ids: number[]; logProb: number }[] = [{ ids: [], logProb: 0 }];
        partials.forEach((p, i) => {
          expect(p.step).toBe(i + 1);
          const expansions: { ids: number[]; logProb: number }[] = [];
          for (const h of previous) {
            const lp = logSoftmax(model.logProbsFor(h.ids));
            for (let t = 0; t < V; t++) if (t !== END) expansions.push({ ids: [...h.ids, t], logProb: h.logProb + lp[t]! });
          }
          expansions.sort((a, b) => b.logProb - a.logProb); // stable: ties keep (row, token) order
          const expected = expansions.slice(0, beamSize);
          expect(p.outputIds).toEqual(expected.map((e) => e.ids));
          p.scores!.forEach((s, j) => {
            expect(s).toBeCloseTo(expected[j]!.logProb, 12);
            expect(s).toBeCloseTo(logProbOf(model, p.outputIds[j]!), 10);
          });
          previous = expected;
        });
      });
    }
  }

  it('returns hypotheses whose scores are their own summed log-probs, best first', async () => {
    const model = prefixModel(V, END, 99);
    const { predict, reorder } = statefulPredict(model);
    const out = await beamSearch(predict, null, { endId: END, maxLength: 8, beamSize: 4, nBest: 4, lengthPenalty: 0.8, reorder });
    expect(out).toHaveLength(4);
    for (let i = 0; i < out.length; i++) {
      expect(out[i]!.logProb).toBeCloseTo(logProbOf(model, out[i]!.ids), 10);
      expect(out[i]!.score).toBeCloseTo(out[i]!.logProb / out[i]!.ids.length ** 0.8, 12);
      if (i > 0) expect(out[i]!.score).toBeLessThanOrEqual(out[i - 1]!.score);
    }
  });
});

describe('beamSearch compares finished hypotheses with live ones', () => {
  // Tokens: 0 = a, 1 = b, 2 = end. Rows: after a, after b, after end, start.
  it('returns an early-ending hypothesis when nothing live can beat it, and stops at once', async () => {
    const model = markovModel(
      [
        [1, 1, 1],
        [1, 1, 1],
        [1, 1, 1],
        [0.3, 0.1, 0.6],
      ],
      2,
    );
    const { predict, reorder, log } = statefulPredict(model);
    const out = await beamSearch(predict, null, { endId: 2, maxLength: 6, beamSize: 2, reorder });
    expect(out[0]!.ids).toEqual([2]);
    expect(out[0]!.logProb).toBeCloseTo(Math.log(0.6), 6);
    expect(log.calls).toBe(1); // best live 0.3 < finished 0.6: no further step can help
    expect(out[0]).toMatchObject({ ids: exhaustive(model, { maxLength: 6 })[0]!.ids, ended: true });
  });

  it('keeps searching past a finished hypothesis that a live one can still beat', async () => {
    const model = markovModel(
      [
        [0.05, 0.05, 0.9],
        [1, 1, 1],
        [1, 1, 1],
        [0.7, 1e-9, 0.3],
      ],
      2,
    );
    const { predict, reorder, log } = statefulPredict(model);
    const out = await beamSearch(predict, null, { endId: 2, maxLength: 6, beamSize: 1, nBest: 1, reorder });
    expect(out[0]!.ids).toEqual([0, 2]);
    expect(out[0]!.logProb).toBeCloseTo(Math.log(0.63), 6);
    expect(log.calls).toBe(2); // after [a, end] (0.63) the best live beam (0.035) cannot win
  });

  it('lets the length penalty decide between a short and a longer ending', async () => {
    const model = markovModel(
      [
        [0.4, 1e-9, 0.6],
        [1, 1, 1],
        [1, 1, 1],
        [0.6, 1e-9, 0.4],
      ],
      2,
    );
    const { predict, reorder } = statefulPredict(model);
    const plain = await beamSearch(predict, null, { endId: 2, maxLength: 6, beamSize: 2, reorder });
    expect(plain[0]!.ids).toEqual([2]); // 0.4 > 0.36
    const normalised = await beamSearch(predict, null, { endId: 2, maxLength: 6, beamSize: 2, lengthPenalty: 1, reorder });
    expect(normalised[0]!.ids).toEqual([0, 2]); // log(0.36)/2 > log(0.4)/1
    expect(normalised[0]!.score).toBeCloseTo(Math.log(0.36) / 2, 6);
    expect(normalised[0]!.ids).toEqual(exhaustive(model, { maxLength: 6, lengthPenalty: 1 })[0]!.ids);
  });

  it('with a length penalty, keeps going while a longer continuation could still win', async () => {
    // From the start: a 0.1, end 0.9. After a: more a's with 0.999 until four tokens, then end
    // with 0.999. With α = 2, [a a a a end] scores log(0.1·0.999⁴)/25 ≈ −0.092 > log 0.9 ≈ −0.105,
    // though right after the first step the live beam, judged at length 2, looks worse.
    const model: FakeModel = {
      vocab: 3,
      endId: 2,
      logProbsFor: (prefix) => {
        const probs = prefix.length === 0 ? [0.1, 1e-6, 0.9] : prefix.length < 4 ? [0.999, 0.0005, 0.0005] : [0.0005, 0.0005, 0.999];
        return Float32Array.from(probs, Math.log);
      },
    };
    const { predict, reorder } = statefulPredict(model);
    const out = await beamSearch(predict, null, { endId: 2, maxLength: 6, beamSize: 2, lengthPenalty: 2, reorder });
    expect(out[0]!.ids).toEqual([0, 0, 0, 0, 2]);
    expect(out[0]!.ids).toEqual(exhaustive(model, { maxLength: 6, lengthPenalty: 2 })[0]!.ids);
  });

  it('returns cut hypotheses marked not ended when maxLength stops the search', async () => {
    const model = markovModel(
      [
        [0.9, 0.09, 0.01],
        [0.9, 0.09, 0.01],
        [1, 1, 1],
        [0.9, 0.09, 0.01],
      ],
      2,
    );
    const { predict, reorder, log } = statefulPredict(model);
    const out = await beamSearch(predict, null, { endId: 2, maxLength: 3, beamSize: 2, nBest: 2, reorder });
    expect(log.calls).toBe(3);
    expect(out[0]).toMatchObject({ ids: [0, 0, 0], ended: false });
    expect(out[0]!.logProb).toBeCloseTo(3 * Math.log(0.9), 6);
    expect(out[1]).toMatchObject({ ids: [0, 0, 1], ended: false });
  });

  it('applies the repetition and no-repeat n-gram processors to each hypothesis', async () => {
    // a → a is by far the likeliest move; with no-repeat unigrams a can appear once only.
    const model = markovModel(
      [
        [0.8, 0.15, 0.05],
        [0.1, 0.1, 0.8],
        [1, 1, 1],
        [0.8, 0.15, 0.05],
      ],
      2,
    );
    const { predict, reorder } = statefulPredict(model);
    const out = await beamSearch(predict, null, { endId: 2, maxLength: 6, beamSize: 3, nBest: 3, noRepeatNgramSize: 1, reorder });
    for (const h of out) expect(new Set(h.ids).size).toBe(h.ids.length);
    expect(out[0]!.ids).toEqual([0, 1, 2]);
  });
});

describe('beamSearch at BERT vocabulary size', () => {
  it('selects the same beams as a full sort over 21128 tokens', async () => {
    const vocab = 21128;
    const model = prefixModel(vocab, 102, 7, 6);
    const { predict, reorder } = statefulPredict(model);
    const partials: StepPartial[] = [];
    await beamSearch(predict, null, { endId: 102, maxLength: 3, beamSize: 4, reorder, onStep: (p) => partials.push(p) });
    const step1 = Array.from(logSoftmax(model.logProbsFor([])), (lp, t) => ({ t, lp }))
      .filter((e) => e.t !== 102)
      .sort((a, b) => b.lp - a.lp || a.t - b.t)
      .slice(0, 4);
    expect(partials[0]!.outputIds).toEqual(step1.map((e) => [e.t]));
    const step2 = step1
      .flatMap((h) => Array.from(logSoftmax(model.logProbsFor([h.t])), (lp, t) => ({ ids: [h.t, t], lp: h.lp + lp })))
      .filter((e) => e.ids[1] !== 102)
      .sort((a, b) => b.lp - a.lp)
      .slice(0, 4);
    expect(partials[1]!.outputIds).toEqual(step2.map((e) => e.ids));
  });
});
