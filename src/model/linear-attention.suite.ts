// BERT with `attention: "linear"`: the kernel paths (bidirectional with padding, UniLM by
// structure) agree with the masked form computed from an explicit 3-D mask, and key/value-cached
// decoding gives the full recompute's logits. Shared by the cpu and webgpu test files.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BertModel, type LayerKV } from './bert';
import { expectClose, int2d, tidy, tinyConfig, tinyWeights } from './bert.test-helpers';
import { unilmMask } from './masks';

// Two rows: a 7-token sequence and a shorter one padded with zeros.
const IDS = [
  [101, 791, 1921, 1921, 3698, 102, 3300],
  [101, 872, 1962, 102, 0, 0, 0],
];
const MASK = [
  [1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 0, 0],
];
// UniLM: [CLS] src [SEP] tgt [SEP] with segment 1 on the target.
const TYPES = [
  [0, 0, 0, 0, 0, 1, 1],
  [0, 0, 1, 1, 0, 0, 0],
];

function realRows(hidden: number[][][]): number[][][] {
  return hidden.map((row, b) => row.filter((_, p) => MASK[b]![p] === 1));
}

export function linearAttentionSuite(backend: 'cpu' | 'wasm' | 'webgpu', setup: () => Promise<void>): void {
  describe(`BERT with linear attention (${backend})`, () => {
    let model: BertModel;
    beforeAll(async () => {
      await setup();
      model = BertModel.create({ ...tinyConfig(), attention: 'linear' }, tinyWeights());
    });

    it('runs the bidirectional kernel with padding like the masked form', async () => {
      const [viaKernel, viaMask] = tidy(() => {
        const ids = int2d(IDS);
        const a = model.forward({ inputIds: ids, attentionMask: tf.tensor2d(MASK) }).lastHidden;
        const mask3d = tf.tensor3d(MASK.map((row) => row.map(() => row)));
        const b = model.forward({ inputIds: ids, attentionMask: mask3d }).lastHidden;
        return [a, b];
      });
      const [x, y] = [(await viaKernel.array()) as number[][][], (await viaMask.array()) as number[][][]];
      tf.dispose([viaKernel, viaMask]);
      expectClose('bidirectional', realRows(x), realRows(y), 1e-4);
      // And it is not softmax attention: the same weights give different states.
      const soft = BertModel.create(tinyConfig(), tinyWeights());
      const s = tidy(() => soft.forward({ inputIds: int2d(IDS), attentionMask: tf.tensor2d(MASK) }).lastHidden);
      const sv = (await s.array()) as number[][][];
      s.dispose();
      soft.dispose();
      expect(Math.abs(sv[0]![1]![0]! - x[0]![1]![0]!)).toBeGreaterThan(1e-3);
    });

    it('runs the UniLM kernel from the pattern like the masked form of the UniLM mask', async () => {
      const mask3d = unilmMask(TYPES, MASK);
      const [viaKernel, viaMask] = tidy(() => {
        const ids = int2d(IDS);
        const types = int2d(TYPES);
        const attentionMask = tf.tensor3d(mask3d);
        const pattern = { mode: 'unilm' as const, keyMask: tf.tensor2d(MASK), typeIds: tf.cast(types, 'float32') as tf.Tensor2D };
        const a = model.forward({ inputIds: ids, typeIds: types, attentionMask, pattern }).lastHidden;
        const b = model.forward({ inputIds: ids, typeIds: types, attentionMask }).lastHidden;
        return [a, b];
      });
      const [x, y] = [(await viaKernel.array()) as number[][][], (await viaMask.array()) as number[][][]];
      tf.dispose([viaKernel, viaMask]);
      expectClose('unilm', realRows(x), realRows(y), 1e-4);
    });

    it('decodes token by token with the recurrent state like the full UniLM forward', async () => {
      const ids = IDS[0]!;
      const types = TYPES[0]!;
      const l = ids.length;
      const full = tidy(() => {
        const mask = tf.tensor3d(unilmMask([types], [ids.map(() => 1)]));
        return model.forward({ inputIds: int2d([ids]), typeIds: int2d([types]), attentionMask: mask }).lastHidden;
      });
      const want = ((await full.array()) as number[][][])[0]!;
      full.dispose();
      // Source ([CLS] src [SEP], 5 tokens) in one pass, then each target token against the cache.
      const src = 5;
      let past: LayerKV[] = [];
      const state = (kv: LayerKV) => {
        if (kv.layout !== 'heads') throw new Error('linear attention must keep its recurrent state (heads layout)');
        return kv;
      };
      const got: number[][] = [];
      for (let start = 0; start < l; start = start === 0 ? src : start + 1) {
        const end = start === 0 ? src : start + 1;
        const step = tidy(() => {
          let hidden = model.embed({ inputIds: int2d([ids.slice(start, end)]), typeIds: int2d([types.slice(start, end)]), positionOffset: start });
          const kv: LayerKV[] = [];
          for (let i = 0; i < model.config.numLayers; i++) {
            const r = model.layerForward(i, hidden, null, { past: past[i], returnKV: true });
            hidden = r.hidden;
            kv.push(r.kv!);
          }
          return { hidden, kv };
        });
        tf.dispose(past as unknown as tf.TensorContainer);
        past = step.kv;
        // The recurrent state, not a growing cache: S [1, N, D, D] and z [1, N, 1, D] at every step.
        const heads = model.config.numHeads;
        const d = model.config.hiddenSize / heads;
        expect(state(past[0]!).keyT.shape).toEqual([1, heads, d, d]);
        expect(state(past[0]!).value.shape).toEqual([1, heads, 1, d]);
        got.push(...((await step.hidden.array()) as number[][][])[0]!);
        step.hidden.dispose();
      }
      tf.dispose(past as unknown as tf.TensorContainer);
      expectClose('cached', got, want, 1e-4);
    });
  });
}

