import { describe, expect, it } from 'vitest';
import { beamSearch } from './beam-search';
import type { DecoderOptions } from './common';
import { prefixModel, statefulPredict } from './fake-models.testutil';
import { greedy } from './greedy';
import { randomSample } from './random-sample';
import { createRng } from './rng';

// End is made unlikely so that every strategy runs for many steps.
const model = prefixModel(6, 5, 17, 2, -8);

type Run = (predict: ReturnType<typeof statefulPredict>['predict'], opts: DecoderOptions<number[][]>) => Promise<unknown>;
const strategies: [string, Run][] = [
  ['greedy', (p, o) => greedy(p, null, o)],
  ['beamSearch', (p, o) => beamSearch(p, null, { ...o, beamSize: 3 })],
  ['randomSample', (p, o) => randomSample(p, null, { ...o, n: 4, rng: createRng(1) })],
];

describe('cancellation', () => {
  for (const [name, run] of strategies) {
    it(`${name}: aborting from onStep rejects before the next model call`, async () => {
      const { predict, reorder, log } = statefulPredict(model);
      const controller = new AbortController();
      const steps: number[] = [];
      const done = run(predict, {
        endId: 5,
        maxLength: 50,
        reorder,
        signal: controller.signal,
        onStep: (p) => {
          steps.push(p.step);
          if (p.step === 3) controller.abort();
        },
      });
      await expect(done).rejects.toMatchObject({ name: 'AbortError' });
      expect(steps).toEqual([1, 2, 3]);
      expect(log.calls).toBe(3);
    });

    it(`${name}: aborting during a model call rejects as soon as that call returns`, async () => {
      const { predict, reorder, log } = statefulPredict(model, 20);
      const controller = new AbortController();
      let steps = 0;
      const slow = (async (inputs, ids, state) => {
        if (log.calls === 1) setTimeout(() => controller.abort(), 5); // fires inside call 2
        return predict(inputs, ids, state);
      }) as typeof predict;
      const done = run(slow, { endId: 5, maxLength: 50, reorder, signal: controller.signal, onStep: () => steps++ });
      await expect(done).rejects.toBeInstanceOf(DOMException);
      await expect(done).rejects.toMatchObject({ name: 'AbortError' });
      expect(log.calls).toBe(2);
      expect(steps).toBe(1);
    });

    it(`${name}: an already aborted signal never calls the model`, async () => {
      const { predict, log } = statefulPredict(model);
      const controller = new AbortController();
      controller.abort();
      await expect(run(predict, { endId: 5, maxLength: 50, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
      expect(log.calls).toBe(0);
    });

    it(`${name}: always stops at maxLength`, async () => {
      const { predict, reorder, log } = statefulPredict(model);
      await run(predict, { endId: 5, maxLength: 7, reorder });
      expect(log.calls).toBe(7);
    });
  }
});
