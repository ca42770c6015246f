import { describe, expect, it } from 'vitest';
import type { StepPartial } from './common';
import { markovModel, statefulPredict } from './fake-models.testutil';
import { greedy } from './greedy';

// Tokens 0, 1, 2 and end = 3. Rows: after 0, 1, 2, end, then the start state.
const table = [
  [0.5, 0.3, 0.1, 0.1],
  [0.1, 0.1, 0.2, 0.6],
  [0.2, 0.2, 0.2, 0.4],
  [1, 1, 1, 1],
  [0.2, 0.7, 0.05, 0.05],
];
const model = markovModel(table, 3);

describe('greedy', () => {
  it('follows the most likely token at every step and stops at the end token', async () => {
    const { predict } = statefulPredict(model);
    const partials: StepPartial[] = [];
    expect(await greedy(predict, null, { endId: 3, maxLength: 10, onStep: (p) => partials.push(p) })).toEqual([1, 3]);
    expect(partials.map((p) => p.step)).toEqual([1, 2]);
    expect(partials[0]!.outputIds).toEqual([[1]]);
    expect(partials[1]!.finished).toEqual([[1, 3]]);
  });

  it('bans the end token until minLength and applies the processors', async () => {
    const { predict } = statefulPredict(model);
    // 1 → (end banned) 2 → end
    expect(await greedy(predict, null, { endId: 3, maxLength: 10, minLength: 2 })).toEqual([1, 2, 3]);
    // after 1 the end token is penalised from log 0.6 to 2·log 0.6 (prob ∝ 0.36) but still wins
    expect(await greedy(predict, null, { endId: 3, maxLength: 10, repetitionPenalty: 2 })).toEqual([1, 3]);
  });

  it('stops at maxLength without an end token when the model never ends', async () => {
    const loop = markovModel(
      [
        [0.1, 0.75, 0.15],
        [0.8, 0.1, 0.1],
        [1, 1, 1],
        [0.8, 0.1, 0.1],
      ],
      2,
    );
    const { predict } = statefulPredict(loop);
    expect(await greedy(predict, null, { endId: 2, maxLength: 5 })).toEqual([0, 1, 0, 1, 0]);
    // no repeated bigram: after 0 1 0 the pair (0, 1) is banned, and end (0.15) beats 0 (0.1)
    expect(await greedy(predict, null, { endId: 2, maxLength: 5, noRepeatNgramSize: 2 })).toEqual([0, 1, 0, 2]);
  });
});
