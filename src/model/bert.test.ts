import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../gpu/backend';
import { softmaxAttend } from './attention';
import { linearAttend } from './linear-attention';
import {
  additiveMaskBias, BertModel, MASKED_SCORE, MissingHeadError, registerAttentionKernel, WeightFormatError, type WeightMap,
} from './bert';
import {
  expectClose, expectMaskLogits, expectMlmMatches, hiddenStatesWithoutAttentions, int2d, loadReference, runCase, tidy, tinyConfig, tinyWeights, type RefCase,
} from './bert.test-helpers';
import { unilmMask } from './masks';

const ref = loadReference();
const config = tinyConfig();
const weights = tinyWeights();
const V = config.vocabSize;

function without(names: (name: string) => boolean): WeightMap {
  return new Map([...weights].filter(([n]) => !names(n)));
}

async function expectCaseMatches(model: BertModel, c: RefCase, useMask3d: boolean): Promise<void> {
  const r = await runCase(model, c, useMask3d);
  const o = c.outputs;
  expectClose(`${c.id} embeddings`, r.embeddings, o.embeddings, 1e-4);
  expectClose(`${c.id} hidden states`, r.hiddenStates, o.hidden_states, 1e-4);
  expectClose(`${c.id} attentions`, r.attentions, o.attentions, 1e-4);
  expectClose(`${c.id} pooler`, r.pooled, o.pooler_output, 1e-4);
  if (o.nsp_logits) expectClose(`${c.id} nsp`, r.nsp, o.nsp_logits, 1e-4);
  expectMlmMatches(c.id, r.mlm!, r.b, r.l, V, c, 2e-4);
  expectMaskLogits(c.id, r.mlm!, r.l, V, c, 2e-4);
}

describe.each(['cpu', 'wasm'] as const)('BertModel on %s', (backend) => {
  let model: BertModel;

  beforeAll(async () => {
    await initBackend({ override: backend, gpu: null });
    expect(tf.getBackend()).toBe(backend);
    model = BertModel.create(config, weights);
  });

  afterAll(() => model.dispose());

  it('has every head of the fixture', () => {
    expect([model.hasMlmHead, model.hasPooler, model.hasNsp, model.decoderTied]).toEqual([true, true, true, false]);
    expect(model.unusedWeights).toEqual(['bert.embeddings.position_ids']);
  });

  for (const c of ref.cases) {
    it(`matches Hugging Face on ${c.id}`, () => expectCaseMatches(model, c, false));
  }

  for (const c of ref.unilm_cases) {
    it(`matches Hugging Face on UniLM ${c.id} with the 3-D mask`, async () => {
      expect(unilmMask(c.inputs.token_type_ids, c.inputs.attention_mask)).toEqual(c.inputs.attention_mask_3d);
      await expectCaseMatches(model, c, true);
    });
  }

  it('matches Hugging Face without attention outputs (the fused attention path), 2-D and 3-D masks', async () => {
    for (const [c, mask3d] of [...ref.cases.map((x) => [x, false] as const), ...ref.unilm_cases.map((x) => [x, true] as const)]) {
      expectClose(`${c.id} hidden states, no attentions`, await hiddenStatesWithoutAttentions(model, c, mask3d), c.outputs.hidden_states, 1e-4);
    }
  });

  it('leaves no tensors behind: 20 forwards inside tf.tidy, single calls outside it', async () => {
    const c = ref.cases.find((x) => x.id === 'padded_batch')!;
    const ids = int2d(c.inputs.input_ids);
    const types = int2d(c.inputs.token_type_ids);
    const mask = int2d(c.inputs.attention_mask);
    const step = (withLists: boolean): tf.Tensor =>
      tf.tidy(() => {
        const f = model.forward({ inputIds: ids, typeIds: types, attentionMask: mask, outputAttentions: withLists, outputHiddenStates: withLists });
        const pooled = model.pooler(f.lastHidden);
        return tf.sum(model.mlmLogits(f.lastHidden)).add(tf.sum(model.nspLogits(pooled)));
      });
    step(true).dispose(); // first call may allocate backend-side caches
    const before = tf.memory().numTensors;
    let last = 0;
    for (let i = 0; i < 20; i++) {
      const s = step(i % 2 === 0);
      last = (await s.data())[0]!;
      s.dispose();
    }
    expect(Number.isFinite(last)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    // Outside tf.tidy, only the returned tensors survive a call.
    for (const lists of [false, true]) {
      const f = model.forward({ inputIds: ids, typeIds: types, attentionMask: mask, outputAttentions: lists, outputHiddenStates: lists });
      const returned = new Set([f.embeddings, f.lastHidden, ...f.hiddenStates, ...(f.attentions ?? [])]);
      expect(tf.memory().numTensors).toBe(before + returned.size);
      tf.dispose([...returned]);
    }
    const hidden = tf.randomNormal([2, 5, config.hiddenSize], 0, 1, 'float32', 7) as tf.Tensor3D;
    const pooled = model.pooler(hidden);
    const results = [pooled, model.mlmLogits(hidden), model.nspLogits(pooled)];
    expect(tf.memory().numTensors).toBe(before + 1 + results.length);
    tf.dispose([hidden, ...results, ids, types, mask]);
  });

  it('uses inputsEmbeds in place of the word embeddings (integrated-gradient path)', async () => {
    for (const ig of ref.ig_cases) {
      const steps = [0, 25, 50];
      const l = ig.inputs.input_ids[0]!.length;
      const repeat = (rows: number[][]): tf.Tensor2D => int2d(steps.map(() => rows[0]!));
      const ids = repeat(ig.inputs.input_ids);
      const types = repeat(ig.inputs.token_type_ids);
      const mask = repeat(ig.inputs.attention_mask);
      const f = tf.tidy(() => {
        const alphas = tf.tensor3d(steps.map((s) => [[ig.alphas[s]!]]), [steps.length, 1, 1]); // [S, 1, 1]
        const x = tf.mul(model.wordEmbeddings(ids), alphas) as tf.Tensor3D; // [S, L, H]
        const out = model.forward({ inputIds: ids, typeIds: types, attentionMask: mask, inputsEmbeds: x });
        const at = tf.slice(out.lastHidden, [0, ig.mask_position, 0], [steps.length, 1, config.hiddenSize]).reshape([steps.length, config.hiddenSize]);
        const logProbs = tf.logSoftmax(model.mlmLogits(at as tf.Tensor2D)); // [S, V]
        return tf.slice(logProbs, [0, ig.target_id], [steps.length, 1]).reshape([steps.length]);
      });
      expect(l).toBeGreaterThan(ig.mask_position);
      expectClose(`${ig.id} F(alpha)`, Array.from(await f.data()), steps.map((s) => ig.float32.F_at_alpha[s]!), 2e-4);
      tf.dispose([ids, types, mask, f]);
    }
  });

  it('extends a key/value cache one token at a time exactly like the full UniLM forward', async () => {
    const c = ref.unilm_cases.find((x) => x.id === 'unilm_a')!;
    const typeRow = c.inputs.token_type_ids[0]!;
    const l = typeRow.length;
    const prefix = typeRow.indexOf(1) + 1; // source plus the first target token
    const full = tf.tidy(() => {
      const mask = tf.tensor3d(unilmMask(c.inputs.token_type_ids), [1, l, l], 'int32');
      return model.forward({ inputIds: int2d(c.inputs.input_ids), typeIds: int2d(c.inputs.token_type_ids), attentionMask: mask }).lastHidden;
    });
    const slice2d = (rows: number[][], from: number, to: number): tf.Tensor2D => int2d([rows[0]!.slice(from, to)]);
    let cache = tidy(() => {
      const ids = slice2d(c.inputs.input_ids, 0, prefix);
      const types = slice2d(c.inputs.token_type_ids, 0, prefix);
      const mask = tf.tensor3d(unilmMask([typeRow.slice(0, prefix)]), [1, prefix, prefix], 'int32');
      const bias = additiveMaskBias(mask);
      let h = model.embed({ inputIds: ids, typeIds: types });
      const kv = [];
      for (let i = 0; i < model.numLayers; i++) {
        const r = model.layerForward(i, h, bias, { returnKV: true });
        h = r.hidden;
        kv.push(r.kv!);
      }
      return { kv, hidden: [h] };
    });
    for (let t = prefix; t < l; t++) {
      const next = tidy(() => {
        const ids = slice2d(c.inputs.input_ids, t, t + 1);
        const types = slice2d(c.inputs.token_type_ids, t, t + 1);
        // A new target token sees every earlier position and itself: no bias needed.
        let h = model.embed({ inputIds: ids, typeIds: types, positionOffset: t });
        const kv = [];
        for (let i = 0; i < model.numLayers; i++) {
          const r = model.layerForward(i, h, null, { past: cache.kv[i], returnKV: true });
          h = r.hidden;
          kv.push(r.kv!);
        }
        return { kv, hidden: [...cache.hidden, h] };
      });
      tf.dispose(cache.kv as unknown as tf.TensorContainer);
      cache = next;
    }
    // The cache stays on the projections' layout: [1, L, H] keys and values per layer.
    const kv0 = cache.kv[0]!;
    expect(kv0.layout).toBe('merged');
    if (kv0.layout === 'merged') expect([kv0.key.shape, kv0.value.shape]).toEqual([[1, l, config.hiddenSize], [1, l, config.hiddenSize]]);
    // Asking for attention probabilities takes the heads layout from the same cache, with the same result.
    const probe = tf.tidy(() => {
      const h = model.embed({ inputIds: int2d([[c.inputs.input_ids[0]![1]!]]), typeIds: int2d([[1]]), positionOffset: l });
      const plain = model.layerForward(0, h, null, { past: kv0, returnKV: true });
      const withProbs = model.layerForward(0, h, null, { past: kv0, returnKV: true, outputAttentions: true });
      return { plain: plain.hidden, withProbs: withProbs.hidden, probs: withProbs.attention!, layout: withProbs.kv!.layout === 'heads' ? 1 : 0 };
    });
    expectClose('cached step with attention probabilities', await probe.withProbs.array(), await probe.plain.array(), 2e-5);
    expect(probe.probs.shape).toEqual([1, config.numHeads, 1, l + 1]);
    expect(probe.layout).toBe(1);
    tf.dispose([probe.plain, probe.withProbs, probe.probs]);
    const incremental = tf.concat(cache.hidden, 1);
    expectClose('cached hidden', await incremental.array(), await full.array(), 2e-5);
    expectClose('cached vs reference', await incremental.array(), c.outputs.hidden_states[config.numLayers - 1], 1e-4);
    tf.dispose([full, incremental, cache as unknown as tf.TensorContainer]);
  });
});

describe('BertModel weights and heads (cpu)', () => {
  beforeAll(async () => {
    await initBackend({ override: 'cpu', gpu: null });
  });
  const pair = ref.cases.find((c) => c.id === 'pair_mask_numbers')!;

  it('runs the encoder without the cls.* heads', async () => {
    const model = BertModel.create(config, without((n) => n.startsWith('cls.')));
    try {
      expect([model.hasMlmHead, model.hasPooler, model.hasNsp]).toEqual([false, true, false]);
      const r = await runCase(model, pair, false);
      expectClose('hidden states', r.hiddenStates, pair.outputs.hidden_states, 1e-4);
      expect(() => model.mlmLogits(tf.zeros([1, 1, config.hiddenSize]) as tf.Tensor3D)).toThrow(MissingHeadError);
      expect(() => model.nspLogits(tf.zeros([1, config.hiddenSize]))).toThrow(/no next-sentence head/);
    } finally {
      model.dispose();
    }
  });

  it('ties the decoder to the word embeddings when the decoder weight is absent', async () => {
    const model = BertModel.create(config, without((n) => n.startsWith('cls.predictions.decoder.')));
    try {
      expect(model.decoderTied).toBe(true);
      const r = await runCase(model, pair, false);
      expectMaskLogits('tied', r.mlm!, r.l, V, pair, 2e-4);
      expectMlmMatches('tied', r.mlm!, r.b, r.l, V, pair, 2e-4);
    } finally {
      model.dispose();
    }
  });

  it('accepts bare BertModel names (no "bert." prefix)', async () => {
    const bare: WeightMap = new Map([...weights].map(([n, t]) => [n.replace(/^bert\./, ''), t]));
    const model = BertModel.create(config, bare);
    try {
      expect([model.hasMlmHead, model.hasPooler, model.hasNsp]).toEqual([true, true, true]);
      const r = await runCase(model, pair, false);
      expectClose('hidden states', r.hiddenStates, pair.outputs.hidden_states, 1e-4);
      expectClose('pooler', r.pooled, pair.outputs.pooler_output, 1e-4);
    } finally {
      model.dispose();
    }
  });

  it('names a mis-shaped tensor', () => {
    const bad = new Map(weights);
    bad.set('bert.encoder.layer.1.intermediate.dense.weight', { shape: [128, 63], data: new Float32Array(128 * 63) });
    const before = tf.memory().numTensors;
    expect(() => BertModel.create(config, bad)).toThrow(WeightFormatError);
    expect(() => BertModel.create(config, bad)).toThrow(/bert\.encoder\.layer\.1\.intermediate\.dense\.weight has shape \[128, 63\], expected \[128, 64\]/);
    expect(tf.memory().numTensors).toBe(before); // what was uploaded before the error is freed
  });

  it('names a missing tensor and an incomplete head', () => {
    expect(() => BertModel.create(config, without((n) => n === 'bert.encoder.layer.0.output.LayerNorm.bias'))).toThrow(
      /bert\.encoder\.layer\.0\.output\.LayerNorm\.bias \[64\] is missing/,
    );
    expect(() => BertModel.create(config, without((n) => n === 'cls.predictions.transform.dense.bias'))).toThrow(
      /MLM head is incomplete: cls\.predictions\.transform\.dense\.bias missing/,
    );
    expect(() => BertModel.create({ ...config, numLayers: 3 }, weights)).toThrow(WeightFormatError);
  });

  it('runs attention through the kernel registered for config.attention', async () => {
    const linear = { ...config, attention: 'linear' as const };
    // Stand-in kernel: softmax attention that counts its calls, registered under "linear".
    let calls = 0;
    registerAttentionKernel('linear', (c) => ({
      kind: 'linear',
      queryScale: 1 / Math.sqrt(c.hiddenSize / c.numHeads),
      attend: (...args) => {
        calls++;
        return softmaxAttend(...args);
      },
    }));
    const model = BertModel.create(linear, weights);
    try {
      const r = await runCase(model, pair, false);
      expect(calls).toBe(config.numLayers);
      expectClose('hidden states via the registered kernel', r.hiddenStates, pair.outputs.hidden_states, 1e-4);
    } finally {
      model.dispose();
      registerAttentionKernel('linear', () => ({ kind: 'linear', queryScale: 1, attend: linearAttend }));
    }
  });

  it('builds the additive bias from 2-D and 3-D masks', async () => {
    const bias2 = additiveMaskBias(tf.tensor2d([[1, 1, 0]], [1, 3], 'int32'));
    expect(bias2.shape).toEqual([1, 1, 1, 3]);
    expect(Array.from(await bias2.data())).toEqual([0, 0, MASKED_SCORE]);
    const bias3 = additiveMaskBias(tf.tensor3d([[[1, 0], [1, 1]]], [1, 2, 2], 'int32'));
    expect(bias3.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(await bias3.data())).toEqual([0, Math.fround(MASKED_SCORE), 0, 0]);
    tf.dispose([bias2, bias3]);
  });

  it('differentiates through the forward pass with respect to inputsEmbeds', async () => {
    const model = BertModel.create(config, weights);
    const ig = ref.ig_cases[0]!;
    const ids = int2d(ig.inputs.input_ids);
    const mask = int2d(ig.inputs.attention_mask);
    const x = tf.tidy(() => tf.mul(model.wordEmbeddings(ids), 0.5) as tf.Tensor3D); // a point inside the IG path
    const score = (e: tf.Tensor3D): tf.Scalar => {
      const h = model.forward({ inputIds: ids, attentionMask: mask, inputsEmbeds: e }).lastHidden;
      const logits = model.mlmLogits(tf.slice(h, [0, ig.mask_position, 0], [1, 1, config.hiddenSize]).reshape([1, config.hiddenSize]) as tf.Tensor2D);
      return tf.logSoftmax(logits).reshape([-1]).gather(ig.target_id) as tf.Scalar;
    };
    const before = tf.memory().numTensors;
    // Directional derivative along x: gradient · x against a central difference.
    const analytic = tf.tidy(() => tf.sum(tf.mul(tf.grad((e: tf.Tensor) => score(e as tf.Tensor3D))(x), x)));
    const h = 1e-2;
    const numeric = tf.tidy(() => tf.div(tf.sub(score(tf.mul(x, 1 + h) as tf.Tensor3D), score(tf.mul(x, 1 - h) as tf.Tensor3D)), 2 * h));
    const [a, n] = [(await analytic.data())[0]!, (await numeric.data())[0]!];
    expect(Math.abs(a)).toBeGreaterThan(1e-3);
    expect(Math.abs(a - n)).toBeLessThan(2e-3 + 1e-2 * Math.abs(n));
    tf.dispose([analytic, numeric]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ids, mask, x]);
    model.dispose();
  });
});
