// UniLM decoding of a linear-attention model: the decoder carries each layer's recurrent state
// (S, z) instead of a key/value cache, and still gives the logits of recomputing the whole
// sequence with the 3-D UniLM mask at every step.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../gpu/backend';
import { loadModelFiles } from '../../model/load';
import { createRng, greedy, randomSample, type PredictFn } from '../decoding/decoder';
import { createSession, type Session } from '../session';
import { fixtureFiles } from './fixture-session.testutil';
import { recomputePredict, UniLMDecoder, type KVCache, type UniLMSource } from './unilm';

let session: Session;
let source: UniLMSource;

beforeAll(async () => {
  await initBackend({ override: 'cpu', gpu: null });
  const files = await loadModelFiles(fixtureFiles());
  session = createSession('tiny-fixture-linear', { ...files, config: { ...files.config, attention: 'linear' } });
  source = { ids: session.tokenizer.encode('今天天气怎么样').ids };
});

afterAll(() => session.model.dispose());

describe('UniLM decoding with linear attention (cpu)', () => {
  it('keeps an O(D²) state per layer and matches the full recompute for 10 steps', async () => {
    const before = tf.memory().numTensors;
    const decoder = new UniLMDecoder(session.model, source, 10);
    const reference = recomputePredict(session.model);
    const diffs: number[] = [];
    const { numHeads: n, hiddenSize: h } = session.model.config;
    const predict: PredictFn<KVCache, UniLMSource> = async (inputs, outputIds, state) => {
        const cached = await decoder.predict(inputs, outputIds, state);
        const layer0 = cached.state.layers[0]!;
        expect(layer0.layout).toBe('heads'); // the recurrent state, not a growing cache
        if (layer0.layout === 'heads') expect(layer0.keyT.shape).toEqual([outputIds.length, n, h / n, h / n]);
        const full = await reference(inputs, outputIds, null);
        diffs.push(Math.max(...cached.logProbs.map((row, r) => row.reduce((m, x, i) => Math.max(m, Math.abs(x - full.logProbs[r]![i]!)), 0))));
        return cached;
    };
    await greedy(predict, source, { endId: session.tokenizer.sepId, maxLength: 10, minLength: 10 });
    decoder.dispose();
    expect(diffs).toHaveLength(10);
    for (const d of diffs) expect(d).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reorders the recurrent state through the sampling fan-out', async () => {
    const before = tf.memory().numTensors;
    const decoder = new UniLMDecoder(session.model, source, 6);
    const out = await randomSample(decoder.predict, source, {
      endId: session.tokenizer.sepId, maxLength: 6, n: 4, topK: 5, rng: createRng(3), reorder: decoder.reorder,
    });
    decoder.dispose();
    expect(out).toHaveLength(4);
    expect(tf.memory().numTensors).toBe(before);
  });
});
