// Attention kernels for the BERT graph and the additive mask bias they take.
//
// A kernel is chosen by `config.attention`. Softmax attention is built in; other kinds (the
// elu+1 linear attention) register a factory with `registerAttentionKernel` and are then picked
// up by `BertModel.create` with no change to the graph.
import * as tf from '@tensorflow/tfjs';
import type { AttentionKind, BertConfig } from './config';
import { selfAttention } from './fused-ops';

/** Score added where a key is masked out: float32's lowest value, as Hugging Face does. */
export const MASKED_SCORE = -3.4028234663852886e38;

/**
 * 0 where the mask is 1 (may attend), MASKED_SCORE where it is 0, shaped to broadcast over heads:
 * a [B, Lk] padding mask gives [B, 1, 1, Lk]; a [B, Lq, Lk] mask gives [B, 1, Lq, Lk].
 * Combine masks before calling this (the pure functions in ./masks): two biases summed would
 * reach -Infinity, and a row of -Infinity turns softmax into NaN.
 */
export function additiveMaskBias(mask: tf.Tensor2D | tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => {
    const m = mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32');
    // (m − 1)·FLT_MAX rather than (1 − m)·MASKED_SCORE: allowed entries come out as +0, not −0.
    const bias = tf.mul(tf.sub(m, 1), -MASKED_SCORE);
    if (mask.rank === 2) {
      const [b, lk] = mask.shape as [number, number];
      return tf.reshape(bias, [b, 1, 1, lk]) as tf.Tensor4D; // [B, 1, 1, Lk]
    }
    const [b, lq, lk] = mask.shape as [number, number, number];
    return tf.reshape(bias, [b, 1, lq, lk]) as tf.Tensor4D; // [B, 1, Lq, Lk]
  });
}

export interface AttentionOutput {
  context: tf.Tensor4D; // [B, N, Lq, D]
  probs?: tf.Tensor4D; // [B, N, Lq, Lk], when asked for
}

/**
 * One attention step for every head at once.
 * q [B, N, Lq, D] is the query projection (already multiplied by the kernel's queryScale);
 * keyT [B, N, D, Lk] is the key projection stored transposed, so that scores need no
 * transposeB; value [B, N, Lk, D]; bias broadcasts to [B, N, Lq, Lk] (0 = may attend) or is null.
 */
export type AttendFn = (
  q: tf.Tensor4D,
  keyT: tf.Tensor4D,
  value: tf.Tensor4D,
  bias: tf.Tensor | null,
  wantProbs: boolean,
  pattern?: AttentionPattern,
) => AttentionOutput;

/**
 * What the mask means, for kernels that can use structure rather than a dense bias (linear
 * attention runs a UniLM mask as source sums plus a target prefix scan). Softmax ignores it.
 */
export interface AttentionPattern {
  mode: 'bidirectional' | 'unilm';
  /** [B, L] 1 for real tokens, 0 for padding. */
  keyMask: tf.Tensor2D;
  /** [B, L] segment ids (unilm: 0 source, 1 target). */
  typeIds?: tf.Tensor2D;
}

export interface AttentionKernel {
  kind: AttentionKind;
  /** Folded into the query weights at load time (1/√headDim for softmax attention). */
  queryScale: number;
  attend: AttendFn;
  /**
   * The same attention on the projections' own layout, for a plain forward (no cache, no
   * probabilities): q [B, Lq, N·D], k and v [B, Lk, N·D], bias as for `attend` with one head
   * axis of 1 → context [B, Lq, N·D]. Saves the head transposes; one fused kernel where the
   * backend has it.
   */
  attendMerged?: (q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, bias: tf.Tensor4D | null, heads: number) => tf.Tensor3D;
}

export const softmaxAttend: AttendFn = (q, keyT, value, bias, wantProbs) => {
  const scores = tf.matMul(q, keyT); // [B, N, Lq, D] · [B, N, D, Lk] → [B, N, Lq, Lk]
  const probs = tf.softmax(bias ? tf.add(scores, bias) : scores) as tf.Tensor4D; // over keys
  const context = tf.matMul(probs, value) as tf.Tensor4D; // [B, N, Lq, Lk] · [B, N, Lk, D] → [B, N, Lq, D]
  return wantProbs ? { context, probs } : { context };
};

export type AttentionKernelFactory = (config: BertConfig) => AttentionKernel;

const factories = new Map<AttentionKind, AttentionKernelFactory>([
  ['softmax', (config) => ({
    kind: 'softmax', queryScale: 1 / Math.sqrt(config.hiddenSize / config.numHeads), attend: softmaxAttend, attendMerged: selfAttention,
  })],
]);

/** Makes `config.attention === kind` models runnable. Later registrations replace earlier ones. */
export function registerAttentionKernel(kind: AttentionKind, factory: AttentionKernelFactory): void {
  factories.set(kind, factory);
}

export class UnsupportedAttentionError extends Error {
  constructor(kind: string) {
    super(`Attention kind "${kind}" is not supported by this build yet. Use a checkpoint whose config has "attention": "softmax" (or none).`);
    this.name = 'UnsupportedAttentionError';
  }
}

export function attentionKernelFor(config: BertConfig): AttentionKernel {
  const factory = factories.get(config.attention);
  if (!factory) throw new UnsupportedAttentionError(config.attention);
  return factory(config);
}
