// UniLM sequence-to-sequence decoding on a BERT (the SimBERT generator), as `predict` hooks for
// the reusable decoder in ../decoding.
//
// The sequence is `[CLS] source [SEP] target…` with segment ids 0 on the source and 1 on the
// target. Under the UniLM mask (c = cumsum(segments); query q sees key k iff c[k] ≤ c[q]) the
// source tokens see each other both ways and never the target, and each target token sees the
// whole source, the earlier target tokens and itself. So the source's keys/values never change
// once computed, and a new target token only appends its own: a key/value cache is exact.
//
//   step 0: encode the source once (bidirectional, batch 1); the next-token logits come from the
//           last source position ([SEP]), as in bert4keras where `predict` reads position −1.
//   step t: embed the token chosen at step t−1 at position Ls + t − 1 with segment 1, run every
//           layer on that one position against the cached keys/values, read the logits there.
//
// `recomputePredict` is the same model run the bert4keras way (the whole sequence again with the
// 3-D UniLM mask every step): the reference for tests and the peer in the benchmark.
import * as tf from '@tensorflow/tfjs';
import { reorderKV, type BertModel, type LayerKV } from '../../model/bert';
import { unilmMask } from '../../model/masks';
import { TaskError } from '../../worker/protocol';
import type { PredictFn, PredictResult } from '../decoding/decoder';

/** The decoder's `inputs`: the encoded source `[CLS] … [SEP]` (segment 0). */
export interface UniLMSource {
  ids: number[];
}

/** Keys/values of every layer for R hypotheses that all have the same length. */
export interface KVCache {
  /** Per layer: keys and values of the Lc cached positions for R hypotheses (see LayerKV). */
  layers: LayerKV[];
  /** Lc: positions held (source + target tokens fed so far). */
  length: number;
  /** R: hypotheses (batch rows). */
  rows: number;
  /** Target tokens already inside the cache (each row's output minus the newest token). */
  fed: number;
}

function disposeCache(c: KVCache | null): void {
  if (c) tf.dispose(c.layers as unknown as tf.TensorContainer);
}

/** Splits logits [R·V] read back from the device into R rows (views, no copy). */
function splitRows(flat: Float32Array, rows: number, v: number): Float32Array[] {
  return Array.from({ length: rows }, (_, r) => flat.subarray(r * v, (r + 1) * v));
}

export function checkSeq2SeqModel(model: BertModel, purpose: string): void {
  if (!model.hasMlmHead) {
    throw new TaskError(
      'bad-input',
      `These weights have no MLM head (cls.predictions.*), and ${purpose} needs it to predict tokens. Load a BertForMaskedLM / BertForPreTraining checkpoint (SimBERT checkpoints include it).`,
    );
  }
}

function checkSource(model: BertModel, source: UniLMSource, maxLength: number): void {
  const need = source.ids.length + maxLength;
  if (source.ids.length < 2) throw new TaskError('bad-input', 'The source must hold at least [CLS] and [SEP].');
  if (need > model.config.maxPositions) {
    throw new TaskError(
      'bad-input',
      `The source (${source.ids.length} tokens) plus up to ${maxLength} generated tokens exceed the model's ${model.config.maxPositions} positions: shorten the text or lower the maximum length.`,
    );
  }
}

/**
 * Cached UniLM decoding for one source. Owns the live cache: `predict` replaces it, `reorder`
 * gathers its rows, and `dispose()` frees whatever is left when decoding stops for any reason
 * (finished, cancelled, failed). One instance serves one decode.
 */
export class UniLMDecoder {
  private live: KVCache | null = null;
  /** Target tokens pushed through the model so far, summed over rows (for tokens/s). */
  tokensProcessed = 0;

  constructor(
    private readonly model: BertModel,
    private readonly source: UniLMSource,
    maxLength: number,
    /** Token ids a generated text must never contain (their scores become −Infinity). */
    private readonly banned: readonly number[] = [],
  ) {
    checkSeq2SeqModel(model, 'generation');
    checkSource(model, source, maxLength);
  }

  readonly predict: PredictFn<KVCache, UniLMSource> = async (_inputs, outputIds, state) => {
    if (state !== this.live) throw new Error('UniLMDecoder: the state passed back is not the live cache (one decoder instance serves one decode).');
    const next = state === null ? this.encodeSource(outputIds) : this.extend(state, outputIds);
    let flat: Float32Array;
    try {
      flat = (await next.logits.data()) as Float32Array;
    } finally {
      next.logits.dispose();
      // The new cache holds copies (concat) of the old keys/values: the old one can go.
      disposeCache(this.live);
      this.live = next.cache;
    }
    for (const id of this.banned) for (let r = 0; r < outputIds.length; r++) flat[r * this.model.config.vocabSize + id] = -Infinity;
    return { logProbs: splitRows(flat, outputIds.length, this.model.config.vocabSize), state: next.cache };
  };

  /** Keeps rows `rows` of the cache in that order (rows may repeat: the first-step fan-out). */
  readonly reorder = (state: KVCache, rows: number[]): KVCache => {
    if (state !== this.live) throw new Error('UniLMDecoder: reorder got a state that is not the live cache.');
    const layers = tf.tidy(() => {
      const idx = tf.tensor1d(rows, 'int32');
      return state.layers.map((l) => reorderKV(l, idx)) as unknown as tf.TensorContainer;
    }) as unknown as LayerKV[];
    disposeCache(state);
    const next: KVCache = { ...state, layers, rows: rows.length };
    this.live = next;
    return next;
  };

  dispose(): void {
    disposeCache(this.live);
    this.live = null;
  }

  private encodeSource(outputIds: number[][]): { cache: KVCache; logits: tf.Tensor } {
    if (outputIds.some((row) => row.length > 0)) throw new Error('UniLMDecoder: the first step must start from empty outputs.');
    const model = this.model;
    const ls = this.source.ids.length;
    const rows = outputIds.length;
    return tf.tidy(() => {
      const ids = tf.tensor2d([this.source.ids], [1, ls], 'int32');
      // Segment 0 everywhere and no padding: every source token sees every other, no mask needed.
      let h = model.embed({ inputIds: ids }); // [1, Ls, H]
      const layers: LayerKV[] = [];
      for (let i = 0; i < model.numLayers; i++) {
        const r = model.layerForward(i, h, null, { returnKV: true });
        h = r.hidden;
        layers.push(r.kv!);
      }
      const hSize = model.config.hiddenSize;
      const last = tf.slice(h, [0, ls - 1, 0], [1, 1, hSize]).reshape([1, hSize]) as tf.Tensor2D; // [1, H] at [SEP]
      let logits = model.mlmLogits(last); // [1, V]
      let cache = layers;
      if (rows > 1) {
        const idx = tf.zeros([rows], 'int32') as tf.Tensor1D;
        logits = tf.gather(logits, idx, 0);
        cache = layers.map((l) => reorderKV(l, idx));
      }
      return { cache: { layers: cache, length: ls, rows, fed: 0 }, logits } as unknown as tf.TensorContainer;
    }) as unknown as { cache: KVCache; logits: tf.Tensor };
  }

  private extend(state: KVCache, outputIds: number[][]): { cache: KVCache; logits: tf.Tensor } {
    const rows = outputIds.length;
    if (rows !== state.rows) throw new Error(`UniLMDecoder: ${rows} hypotheses but the cache holds ${state.rows} rows (reorder was not applied).`);
    for (const row of outputIds) {
      if (row.length !== state.fed + 1) throw new Error(`UniLMDecoder: every hypothesis must be one token longer than the cache (${state.fed + 1}), got ${row.length}.`);
    }
    const model = this.model;
    const h = model.config.hiddenSize;
    this.tokensProcessed += rows;
    return tf.tidy(() => {
      const ids = tf.tensor2d(outputIds.map((row) => [row[row.length - 1]!]), [rows, 1], 'int32');
      const types = tf.ones([rows, 1], 'int32') as tf.Tensor2D;
      let x = model.embed({ inputIds: ids, typeIds: types, positionOffset: state.length }); // [R, 1, H]
      const layers: LayerKV[] = [];
      for (let i = 0; i < model.numLayers; i++) {
        // The new target token sees every cached position and itself: no bias.
        const r = model.layerForward(i, x, null, { past: state.layers[i], returnKV: true });
        x = r.hidden;
        layers.push(r.kv!);
      }
      const logits = model.mlmLogits(x.reshape([rows, h]) as tf.Tensor2D); // [R, V]
      return { cache: { layers, length: state.length + 1, rows, fed: state.fed + 1 }, logits } as unknown as tf.TensorContainer;
    }) as unknown as { cache: KVCache; logits: tf.Tensor };
  }
}

/** Stateless marker for the recompute path (it keeps nothing between steps). */
export interface RecomputeState {
  steps: number;
}

/**
 * The whole `[CLS] src [SEP] out…` sequence through the model with the 3-D UniLM mask every
 * step (what bert4keras's SimBERT does): logits at the last position of each row.
 */
export function recomputePredict(model: BertModel): PredictFn<RecomputeState, UniLMSource> {
  checkSeq2SeqModel(model, 'generation');
  return async (source, outputIds, state): Promise<PredictResult<RecomputeState>> => {
    const rows = outputIds.length;
    const l = source.ids.length + outputIds[0]!.length;
    const logits = tf.tidy(() => {
      const idRows = outputIds.map((out) => [...source.ids, ...out]);
      const typeRows = outputIds.map((out) => [...source.ids.map(() => 0), ...out.map(() => 1)]);
      const ids = tf.tensor2d(idRows, [rows, l], 'int32');
      const types = tf.tensor2d(typeRows, [rows, l], 'int32');
      const mask = tf.tensor3d(unilmMask(typeRows), [rows, l, l], 'int32');
      const { lastHidden } = model.forward({ inputIds: ids, typeIds: types, attentionMask: mask }); // [R, L, H]
      const h = model.config.hiddenSize;
      const last = tf.slice(lastHidden, [0, l - 1, 0], [rows, 1, h]).reshape([rows, h]) as tf.Tensor2D; // [R, H]
      return model.mlmLogits(last); // [R, V]
    });
    const flat = (await logits.data()) as Float32Array;
    logits.dispose();
    return { logProbs: splitRows(flat, rows, model.config.vocabSize), state: { steps: (state?.steps ?? 0) + 1 } };
  };
}
