// The same reference checks on the tfjs WebGPU backend, through Dawn (SwiftShader) in Node.
import { startDawnWebGPU } from '../gpu/dawn.testutil';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeWebGPU } from '../gpu/backend';
import { additiveMaskBias } from './attention';
import { BertModel, type LayerKV } from './bert';
import { unilmMask } from './masks';
import {
  expectClose, expectMaskLogits, expectMlmMatches, hiddenStatesWithoutAttentions, int2d, loadReference, runCase, tinyConfig, tinyWeights,
} from './bert.test-helpers';

const ref = loadReference();
const config = tinyConfig();

describe('BertModel on webgpu (Dawn)', () => {
  let model: BertModel;

  beforeAll(async () => {
    await startDawnWebGPU();
    model = BertModel.create(config, tinyWeights());
  });

  afterAll(() => {
    model?.dispose();
    disposeWebGPU();
  });

  for (const c of [...ref.cases, ...ref.unilm_cases]) {
    const unilm = c.inputs.attention_mask_3d !== undefined;
    it(`matches Hugging Face on ${c.id}`, async () => {
      // Full-vocabulary logits for every position only on the shortest case: that matmul takes
      // seconds on SwiftShader. Elsewhere, the reference's [MASK] rows.
      const allRows = c.id === 'zh_short';
      const r = await runCase(model, c, unilm, allRows ? 'all' : 'mask');
      const o = c.outputs;
      expectClose(`${c.id} embeddings`, r.embeddings, o.embeddings, 1e-4);
      expectClose(`${c.id} hidden states`, r.hiddenStates, o.hidden_states, 1e-4);
      expectClose(`${c.id} attentions`, r.attentions, o.attentions, 1e-4);
      expectClose(`${c.id} pooler`, r.pooled, o.pooler_output, 1e-4);
      if (o.nsp_logits) expectClose(`${c.id} nsp`, r.nsp, o.nsp_logits, 1e-4);
      if (allRows) expectMlmMatches(c.id, r.mlm!, r.b, r.l, config.vocabSize, c, 2e-4);
      else if (o.mlm_logits_at_mask) expectMaskLogits(c.id, r.mlm!, r.l, config.vocabSize, c, 2e-4, true);
    });
  }

  it('matches Hugging Face without attention outputs (the fused attention kernel), 2-D and 3-D masks', async () => {
    for (const [c, mask3d] of [...ref.cases.map((x) => [x, false] as const), ...ref.unilm_cases.map((x) => [x, true] as const)]) {
      expectClose(`${c.id} hidden states, no attentions`, await hiddenStatesWithoutAttentions(model, c, mask3d), c.outputs.hidden_states, 1e-4);
    }
  });

  it('extends a key/value cache on the projections\' layout (the fused kernel, Lq = 1) like the full UniLM forward', async () => {
    const c = ref.unilm_cases.find((x) => x.id === 'unilm_a')!;
    const typeRow = c.inputs.token_type_ids[0]!;
    const l = typeRow.length;
    const prefix = typeRow.indexOf(1) + 1; // source plus the first target token
    const rows = (from: number, to: number, m: number[][]) => int2d([m[0]!.slice(from, to)]);
    let kv = tf.tidy(() => {
      const bias = additiveMaskBias(tf.tensor3d(unilmMask([typeRow.slice(0, prefix)]), [1, prefix, prefix], 'int32'));
      let h = model.embed({ inputIds: rows(0, prefix, c.inputs.input_ids), typeIds: rows(0, prefix, c.inputs.token_type_ids) });
      const out: LayerKV[] = [];
      for (let i = 0; i < model.numLayers; i++) {
        const r = model.layerForward(i, h, bias, { returnKV: true });
        h = r.hidden;
        out.push(r.kv!);
      }
      return { out, h };
    });
    const hidden: tf.Tensor[] = [kv.h];
    for (let t = prefix; t < l; t++) {
      const next = tf.tidy(() => {
        let h = model.embed({ inputIds: rows(t, t + 1, c.inputs.input_ids), typeIds: rows(t, t + 1, c.inputs.token_type_ids), positionOffset: t });
        const out: LayerKV[] = [];
        for (let i = 0; i < model.numLayers; i++) {
          const r = model.layerForward(i, h, null, { past: kv.out[i], returnKV: true });
          h = r.hidden;
          out.push(r.kv!);
        }
        return { out, h };
      });
      tf.dispose(kv.out as unknown as tf.TensorContainer);
      kv = next;
      hidden.push(next.h);
    }
    expect(kv.out[0]!.layout).toBe('merged');
    const incremental = tf.concat(hidden, 1);
    expectClose('cached steps vs reference', await incremental.array(), c.outputs.hidden_states[config.numLayers - 1], 1e-4);
    tf.dispose([incremental, ...hidden, kv.out as unknown as tf.TensorContainer]);
  });

  it('leaves no tensors behind over 20 forwards inside tf.tidy', async () => {
    const c = ref.cases.find((x) => x.id === 'zh_short')!;
    const ids = int2d(c.inputs.input_ids);
    const mask = int2d(c.inputs.attention_mask);
    const step = (): tf.Tensor =>
      tf.tidy(() => {
        // No MLM head here: one vocabulary row costs over a second on SwiftShader.
        const f = model.forward({ inputIds: ids, attentionMask: mask, outputAttentions: true, outputHiddenStates: true });
        return tf.sum(f.lastHidden).add(tf.sum(model.pooler(f.lastHidden)));
      });
    const warm = step(); // the first run compiles the shaders
    await warm.data();
    warm.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      const s = step();
      expect(Number.isFinite((await s.data())[0]!)).toBe(true);
      s.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ids, mask]);
  });
});
