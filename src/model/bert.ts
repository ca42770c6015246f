// The BERT encoder and its pre-training heads on tfjs, numerically matching Hugging Face
// `BertForPreTraining` (post-LayerNorm, absolute positions).
//
// Tensors in, tensors out: the caller owns every returned tensor (use tf.tidy). Each encoder
// layer runs in its own tf.tidy, so only the tensors a call returns outlive it and peak memory
// stays at about one layer's activations. Shapes: B batch, L sequence, H hidden, N heads,
// D = H / N head size, I intermediate, V vocabulary, M = B·L rows.
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from './config';
import { attentionKernelFor, additiveMaskBias, type AttentionKernel, type AttentionPattern } from './attention';
import { linearStateAttend } from './linear-attention';
import { disposeBertParams, loadBertParams, type BertParams, type DenseParams, type WeightMap } from './bert-weights';
import { dense, denseAct, disposeGraphConstants, layerNorm, makeGraphConstants, type GraphConstants } from './bert-ops';
import { dense as denseLayer, gatherRows as fusedGatherRows } from './fused-ops';

export { weightMapFromRaw, type WeightMap } from './bert-weights';
export { additiveMaskBias, registerAttentionKernel, UnsupportedAttentionError, MASKED_SCORE, type AttentionPattern } from './attention';
export { WeightFormatError } from './weights/types';

export interface ForwardInputs {
  inputIds: tf.Tensor2D; // int32 [B, L]
  typeIds?: tf.Tensor2D; // int32 [B, L]; all 0 when absent
  /** [B, L] padding mask or [B, L, L] query×key mask; 1 = may attend. None: all attend. */
  attentionMask?: tf.Tensor2D | tf.Tensor3D;
  /** [B, L, H] replaces the word embeddings (integrated gradients); positions and segments are still added. */
  inputsEmbeds?: tf.Tensor3D;
  /** The structure behind attentionMask, for kernels that exploit it (see AttentionPattern). */
  pattern?: AttentionPattern;
  outputAttentions?: boolean;
  /** Return every layer's output in `hiddenStates` (otherwise it is empty). */
  outputHiddenStates?: boolean;
}

export interface ForwardOutputs {
  embeddings: tf.Tensor3D; // [B, L, H], after the embedding LayerNorm
  /** Output of each encoder layer, [B, L, H] each; the last one is `lastHidden` itself. */
  hiddenStates: tf.Tensor3D[];
  lastHidden: tf.Tensor3D; // [B, L, H]
  attentions?: tf.Tensor4D[]; // per layer [B, N, L, L] probabilities
}

export interface EmbedInputs {
  inputIds: tf.Tensor2D; // int32 [B, L]
  typeIds?: tf.Tensor2D; // int32 [B, L]
  inputsEmbeds?: tf.Tensor3D; // [B, L, H]
  /** Position of the first token: the cached length when extending a key/value cache. */
  positionOffset?: number;
}

/**
 * What one layer keeps between decoding steps; every tensor has the hypotheses on axis 0, so
 * reordering is one gather per tensor (reorderKV).
 * - `merged` (softmax attention, the usual case): keys and values on the projections' own
 *   layout, key and value [B, Lk, N·D], extended by one concat per step and attended by the
 *   fused attention kernel (one kernel per layer and step).
 * - `heads`: softmax attention's keyT [B, N, D, Lk] (transposed so that scores need no
 *   transposeB) and value [B, N, Lk, D], made when attention probabilities are asked for;
 *   or linear attention's recurrent state, O(D²) whatever the length: keyT holds
 *   S = Σ φ(k_j) v_jᵀ [B, N, D, D] and value holds z = Σ φ(k_j) as [B, N, 1, D].
 */
export type LayerKV =
  | { layout: 'merged'; key: tf.Tensor3D; value: tf.Tensor3D }
  | { layout: 'heads'; keyT: tf.Tensor4D; value: tf.Tensor4D };

/** The cache rows `idx` (int32 [R]) of one layer, in that order. */
export function reorderKV(kv: LayerKV, idx: tf.Tensor1D): LayerKV {
  return kv.layout === 'merged'
    ? { layout: 'merged', key: tf.gather(kv.key, idx, 0), value: tf.gather(kv.value, idx, 0) }
    : { layout: 'heads', keyT: tf.gather(kv.keyT, idx, 0), value: tf.gather(kv.value, idx, 0) };
}

/** A merged softmax cache in the heads layout: keyT [B, N, D, Lk], value [B, N, Lk, D]. */
function headsKV(kv: LayerKV, heads: number): { keyT: tf.Tensor4D; value: tf.Tensor4D } {
  if (kv.layout === 'heads') return kv;
  const [b, l, h] = kv.key.shape;
  const split = (t: tf.Tensor3D) => t.reshape([b, l, heads, h / heads]);
  return { keyT: split(kv.key).transpose([0, 2, 3, 1]) as tf.Tensor4D, value: split(kv.value).transpose([0, 2, 1, 3]) as tf.Tensor4D };
}

export interface LayerOptions {
  /** Keys/values of earlier positions; the new ones are appended after them. */
  past?: LayerKV;
  /** Return the layer's keys/values (past + new) for the next step. */
  returnKV?: boolean;
  outputAttentions?: boolean;
  /** The structure behind `bias` (no past keys), for kernels that exploit it. */
  pattern?: AttentionPattern;
}

export interface LayerResult {
  hidden: tf.Tensor3D; // [B, Lq, H]
  kv?: LayerKV;
  attention?: tf.Tensor4D; // [B, N, Lq, Lk]
}

/** The model has no such head: the weights did not include it. */
export class MissingHeadError extends Error {
  constructor(head: string, names: string) {
    super(`These weights have no ${head} (${names}). Load a checkpoint that includes it (a BertForPreTraining or BertForMaskedLM export).`);
    this.name = 'MissingHeadError';
  }
}

/** Rows of table [rows, H] picked by ids [B, L] → [B, L, H]. */
function gatherRows(table: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor3D {
  return fusedGatherRows(table, ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32')) as tf.Tensor3D;
}

function shapeText(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

export class BertModel {
  readonly hasMlmHead: boolean;
  readonly hasPooler: boolean;
  readonly hasNsp: boolean;
  /** Whether the MLM decoder reuses the word embeddings (no decoder weight in the file). */
  readonly decoderTied: boolean;
  /** Weight names the graph did not use. */
  readonly unusedWeights: readonly string[];
  private disposed = false;

  private constructor(
    readonly config: BertConfig,
    readonly attention: AttentionKernel,
    private readonly params: BertParams,
    private readonly constants: GraphConstants,
  ) {
    this.hasMlmHead = params.mlm !== null;
    this.hasPooler = params.pooler !== null;
    this.hasNsp = params.nsp !== null;
    this.decoderTied = params.decoderTied;
    this.unusedWeights = params.unusedWeights;
  }

  /**
   * Checks every name and shape against the config and uploads the weights once.
   * Throws WeightFormatError naming the first missing or mis-shaped tensor, and
   * UnsupportedAttentionError for an attention kind this build cannot run.
   */
  static create(config: BertConfig, weights: WeightMap): BertModel {
    const kernel = attentionKernelFor(config);
    const params = loadBertParams(config, weights, kernel.queryScale);
    return new BertModel(config, kernel, params, makeGraphConstants(config.layerNormEps));
  }

  get numLayers(): number {
    return this.config.numLayers;
  }

  /** word_embeddings(ids): [B, L] int32 → [B, L, H]. */
  wordEmbeddings(ids: tf.Tensor2D): tf.Tensor3D {
    this.checkLive();
    return gatherRows(this.params.wordEmbeddings, ids);
  }

  /** LayerNorm(word + segment + position embeddings): [B, L, H]. */
  embed(inputs: EmbedInputs): tf.Tensor3D {
    this.checkLive();
    const { inputIds, typeIds, inputsEmbeds, positionOffset = 0 } = inputs;
    const [b, l] = this.checkIds(inputIds, typeIds, positionOffset);
    const h = this.config.hiddenSize;
    if (inputsEmbeds && (inputsEmbeds.rank !== 3 || inputsEmbeds.shape[0] !== b || inputsEmbeds.shape[1] !== l || inputsEmbeds.shape[2] !== h)) {
      throw new RangeError(`inputsEmbeds has shape ${shapeText(inputsEmbeds.shape)}, expected ${shapeText([b, l, h])}.`);
    }
    const p = this.params;
    return tf.tidy(() => {
      const words = inputsEmbeds ?? gatherRows(p.wordEmbeddings, inputIds); // [B, L, H]
      const types = typeIds ? gatherRows(p.typeEmbeddings, typeIds) : tf.slice(p.typeEmbeddings, [0, 0], [1, h]); // [B, L, H] or [1, H]
      const positions = tf.slice(p.positionEmbeddings, [positionOffset, 0], [l, h]); // [L, H]
      // Same summation order as HF: (words + types) + positions; the LayerNorm kernel adds the positions.
      const wordsTypes = tf.add(words, types).reshape([b * l, h]) as tf.Tensor2D; // [M, H]
      return layerNorm(wordsTypes, p.embeddingNorm, this.constants, positions).reshape([b, l, h]) as tf.Tensor3D;
    });
  }

  /**
   * Encoder layer `index` on hidden [B, Lq, H]. `bias` (from additiveMaskBias, or null) must
   * broadcast to [B, N, Lq, Lk] with Lk = past length + Lq.
   */
  layerForward(index: number, hidden: tf.Tensor3D, bias: tf.Tensor | null, options: LayerOptions = {}): LayerResult {
    this.checkLive();
    const layer = this.params.layers[index];
    if (!layer) throw new RangeError(`Layer ${index} does not exist: the model has ${this.config.numLayers} layers.`);
    const { numHeads: n, hiddenSize: h } = this.config;
    const d = h / n;
    const [b, lq] = hidden.shape;
    const { past, returnKV = false, outputAttentions = false, pattern } = options;
    const c = this.constants;
    return tf.tidy(() => {
      const x = hidden.reshape([b * lq, h]) as tf.Tensor2D; // [M, H]
      let merged: tf.Tensor2D; // [M, H], heads merged
      let probs: tf.Tensor4D | undefined;
      const attendMerged = this.attention.attendMerged;
      const plainBias = !bias || (bias.rank === 4 && bias.shape[1] === 1);
      let kv: LayerKV | undefined;
      if (attendMerged && !outputAttentions && plainBias && (!past || past.layout === 'merged')) {
        // Attention straight on the projections' [B, L, N·D] layout: a plain forward, or a
        // cached step whose keys and values are kept on that layout.
        const proj = (p: DenseParams) => dense(x, p).reshape([b, lq, h]) as tf.Tensor3D; // [B, Lq, H]
        let key = proj(layer.key);
        let val = proj(layer.value);
        if (past) {
          key = tf.concat([past.key, key], 1); // [B, Lpast + Lq, H]
          val = tf.concat([past.value, val], 1);
        }
        merged = attendMerged(proj(layer.query), key, val, bias as tf.Tensor4D | null, n).reshape([b * lq, h]) as tf.Tensor2D;
        if (returnKV) kv = { layout: 'merged', key, value: val };
      } else {
        // Projections, [M, H] → [B, Lq, N, D], then heads to the front.
        // With one query position (a cached decoding step) the head transposes are pure reshapes.
        const one = lq === 1;
        const q = (one ? dense(x, layer.query).reshape([b, n, 1, d]) : dense(x, layer.query).reshape([b, lq, n, d]).transpose([0, 2, 1, 3])) as tf.Tensor4D; // [B, N, Lq, D]
        let keyT = (one ? dense(x, layer.key).reshape([b, n, d, 1]) : dense(x, layer.key).reshape([b, lq, n, d]).transpose([0, 2, 3, 1])) as tf.Tensor4D; // [B, N, D, Lq]
        let value = (one ? dense(x, layer.value).reshape([b, n, 1, d]) : dense(x, layer.value).reshape([b, lq, n, d]).transpose([0, 2, 1, 3])) as tf.Tensor4D; // [B, N, Lq, D]
        const pastHeads = past ? headsKV(past, n) : undefined;
        let context: tf.Tensor4D;
        if (this.attention.kind === 'linear' && (past || returnKV)) {
          // Recurrent linear attention: the state replaces the growing key/value cache.
          ({ context, state: [keyT, value] } = linearStateAttend(q, keyT, value, bias, pastHeads));
        } else {
          if (pastHeads) {
            keyT = tf.concat([pastHeads.keyT, keyT], 3); // [B, N, D, Lpast + Lq]
            value = tf.concat([pastHeads.value, value], 2); // [B, N, Lpast + Lq, D]
          }
          ({ context, probs } = this.attention.attend(q, keyT, value, bias, outputAttentions, past ? undefined : pattern)); // [B, N, Lq, D]
        }
        merged = (one ? context : context.transpose([0, 2, 1, 3])).reshape([b * lq, h]) as tf.Tensor2D; // [B, Lq, N, D] → [M, H]
        if (returnKV) kv = { layout: 'heads', keyT, value };
      }
      const attended = layerNorm(dense(merged, layer.attentionOutput), layer.attentionNorm, c, x); // LayerNorm(attn + x), [M, H]
      const inner = denseAct(attended, layer.intermediate, this.config.hiddenAct, c); // [M, I]
      const out = layerNorm(dense(inner, layer.output), layer.outputNorm, c, attended); // LayerNorm(ffn + attended), [M, H]
      const result: LayerResult = { hidden: out.reshape([b, lq, h]) as tf.Tensor3D };
      if (kv) result.kv = kv;
      if (probs) result.attention = probs;
      return result as unknown as tf.TensorContainer;
    }) as unknown as LayerResult;
  }

  forward(inputs: ForwardInputs): ForwardOutputs {
    this.checkLive();
    const { inputIds, attentionMask, outputAttentions = false, outputHiddenStates = false } = inputs;
    const [b, l] = this.checkIds(inputIds, inputs.typeIds, 0);
    if (attentionMask) {
      const want = attentionMask.rank === 2 ? [b, l] : [b, l, l];
      if (!(attentionMask.rank === 2 || attentionMask.rank === 3) || attentionMask.shape.some((v, i) => v !== want[i])) {
        throw new RangeError(`attentionMask has shape ${shapeText(attentionMask.shape)}, expected ${shapeText([b, l])} or ${shapeText([b, l, l])}.`);
      }
    }
    const embeddings = this.embed(inputs);
    const bias = attentionMask ? additiveMaskBias(attentionMask) : null;
    const hiddenStates: tf.Tensor3D[] = [];
    const attentions: tf.Tensor4D[] = [];
    let hidden = embeddings;
    try {
      for (let i = 0; i < this.config.numLayers; i++) {
        const r = this.layerForward(i, hidden, bias, { outputAttentions, pattern: inputs.pattern });
        // Free a layer's output as soon as the next one has consumed it, unless it is returned.
        if (hidden !== embeddings && !outputHiddenStates) hidden.dispose();
        hidden = r.hidden;
        if (outputHiddenStates) hiddenStates.push(hidden);
        if (r.attention) attentions.push(r.attention);
      }
    } catch (e) {
      tf.dispose([embeddings, hidden, ...hiddenStates, ...attentions]);
      throw e;
    } finally {
      bias?.dispose();
    }
    const out: ForwardOutputs = { embeddings, hiddenStates, lastHidden: hidden };
    if (outputAttentions) out.attentions = attentions;
    return out;
  }

  /** tanh(dense(hidden[:, 0])): the [CLS] sentence vector, [B, L, H] → [B, H]. */
  pooler(lastHidden: tf.Tensor3D): tf.Tensor2D {
    this.checkLive();
    const pooler = this.params.pooler;
    if (!pooler) throw new MissingHeadError('pooler', 'bert.pooler.dense.*');
    const [b, , h] = lastHidden.shape;
    return tf.tidy(() => {
      const cls = tf.slice(lastHidden, [0, 0, 0], [b, 1, h]).reshape([b, h]) as tf.Tensor2D; // [B, H]
      return tf.tanh(dense(cls, pooler));
    });
  }

  /** MLM logits: [B, L, H] → [B, L, V] or [M, H] → [M, V] (transform, LayerNorm, tied decoder + bias). */
  mlmLogits(hidden: tf.Tensor3D | tf.Tensor2D): tf.Tensor {
    this.checkLive();
    const mlm = this.params.mlm;
    if (!mlm) throw new MissingHeadError('masked-language-model head', 'cls.predictions.*');
    const { hiddenSize: h, vocabSize: v, hiddenAct } = this.config;
    const lead = hidden.shape.slice(0, -1); // [B, L] or [M]
    const rows = lead.reduce((a, s) => a * s, 1);
    return tf.tidy(() => {
      const x = hidden.reshape([rows, h]) as tf.Tensor2D; // [M, H]
      const t = layerNorm(denseAct(x, mlm.transform, hiddenAct, this.constants), mlm.norm, this.constants); // [M, H]
      const logits = denseLayer(t, mlm.decoder, mlm.bias); // [M, H] · [H, V] → [M, V]
      return logits.reshape([...lead, v]);
    });
  }

  /** Next-sentence logits from the pooled vector: [B, H] → [B, 2] (index 0 = "B follows A"). */
  nspLogits(pooled: tf.Tensor2D): tf.Tensor2D {
    this.checkLive();
    const nsp = this.params.nsp;
    if (!nsp) throw new MissingHeadError('next-sentence head', 'cls.seq_relationship.*');
    return dense(pooled, nsp);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeBertParams(this.params);
    disposeGraphConstants(this.constants);
  }

  private checkLive(): void {
    if (this.disposed) throw new Error('This BertModel has been disposed; load the model again.');
  }

  private checkIds(inputIds: tf.Tensor2D, typeIds: tf.Tensor2D | undefined, offset: number): [number, number] {
    if (inputIds.rank !== 2) throw new RangeError(`inputIds must be [batch, length], got shape ${shapeText(inputIds.shape)}.`);
    const [b, l] = inputIds.shape;
    if (inputIds.dtype !== 'int32' || (typeIds && typeIds.dtype !== 'int32')) {
      throw new TypeError(`inputIds and typeIds must be int32 tensors (got ${inputIds.dtype}${typeIds ? ` and ${typeIds.dtype}` : ''}).`);
    }
    if (typeIds && (typeIds.rank !== 2 || typeIds.shape[0] !== b || typeIds.shape[1] !== l)) {
      throw new RangeError(`typeIds has shape ${shapeText(typeIds.shape)}, expected ${shapeText([b, l])} like inputIds.`);
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + l > this.config.maxPositions) {
      throw new RangeError(
        `Positions ${offset}..${offset + l - 1} exceed the model's ${this.config.maxPositions} positions (max_position_embeddings): shorten the input.`,
      );
    }
    return [b, l];
  }
}
