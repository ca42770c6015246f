// Small graph pieces of the BERT forward pass: dense, LayerNorm, activations.
// All work on 2-D [rows, features] tensors; callers reshape (free) around them.
import * as tf from '@tensorflow/tfjs';
import type { HiddenAct } from './config';
import type { DenseParams, LayerNormParams } from './bert-weights';

/** Scalars the graph uses on every call, uploaded once instead of once per op. */
export interface GraphConstants {
  eps: tf.Scalar; // layer_norm_eps
  half: tf.Scalar; // 0.5
  one: tf.Scalar; // 1
  invSqrt2: tf.Scalar; // 1/√2, exact GELU
  tanhScale: tf.Scalar; // √(2/π), tanh GELU
  cubic: tf.Scalar; // 0.044715, tanh GELU
}

export function makeGraphConstants(layerNormEps: number): GraphConstants {
  return {
    eps: tf.keep(tf.scalar(layerNormEps)),
    half: tf.keep(tf.scalar(0.5)),
    one: tf.keep(tf.scalar(1)),
    invSqrt2: tf.keep(tf.scalar(Math.SQRT1_2)),
    tanhScale: tf.keep(tf.scalar(Math.sqrt(2 / Math.PI))),
    cubic: tf.keep(tf.scalar(0.044715)),
  };
}

export function disposeGraphConstants(c: GraphConstants): void {
  for (const t of Object.values(c)) t.dispose();
}

/** x [M, in] · kernel [in, out] + bias → [M, out], with ReLU fused in when asked. */
export function dense(x: tf.Tensor2D, p: DenseParams, activation?: 'relu'): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: p.kernel, bias: p.bias, activation: activation ?? 'linear' }) as tf.Tensor2D;
}

/**
 * LayerNorm over the last axis of x [M, H]. The variance is the mean of squared deviations from
 * the mean (not E[x²] − E[x]², which cancels catastrophically in float32 with eps = 1e-12).
 */
export function layerNorm(x: tf.Tensor2D, p: LayerNormParams, c: GraphConstants): tf.Tensor2D {
  const mean = tf.mean(x, -1, true); // [M, 1]
  const centred = tf.sub(x, mean); // [M, H]
  const variance = tf.mean(tf.square(centred), -1, true); // [M, 1]
  const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, c.eps))); // [M, H]
  return tf.add(tf.mul(normed, p.gamma), p.beta);
}

/** gelu: exact 0.5·x·(1 + erf(x/√2)); gelu_new: the tanh approximation. */
export function activate(x: tf.Tensor2D, act: HiddenAct, c: GraphConstants): tf.Tensor2D {
  switch (act) {
    case 'gelu':
      return tf.mul(tf.mul(x, c.half), tf.add(c.one, tf.erf(tf.mul(x, c.invSqrt2))));
    case 'gelu_new': {
      const inner = tf.mul(c.tanhScale, tf.add(x, tf.mul(c.cubic, tf.mul(tf.square(x), x))));
      return tf.mul(tf.mul(x, c.half), tf.add(c.one, tf.tanh(inner)));
    }
    case 'relu':
      return tf.relu(x);
  }
}

/** dense followed by the hidden activation; ReLU rides inside the matMul kernel. */
export function denseAct(x: tf.Tensor2D, p: DenseParams, act: HiddenAct, c: GraphConstants): tf.Tensor2D {
  return act === 'relu' ? dense(x, p, 'relu') : activate(dense(x, p), act, c);
}
