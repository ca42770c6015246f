// Small graph pieces of the BERT forward pass: dense, LayerNorm, activations.
// All work on 2-D [rows, features] tensors; callers reshape (free) around them.
// LayerNorm and the exact GELU are single fused kernels where the backend has them (fused-ops.ts).
import * as tf from '@tensorflow/tfjs';
import type { HiddenAct } from './config';
import type { DenseParams, LayerNormParams } from './bert-weights';
import { dense as fusedDense, residualLayerNorm } from './fused-ops';

/** Scalars the graph uses on every call, uploaded once instead of once per op. */
export interface GraphConstants {
  eps: number; // layer_norm_eps (an attribute of the LayerNorm kernel, not a tensor)
  half: tf.Scalar; // 0.5
  one: tf.Scalar; // 1
  tanhScale: tf.Scalar; // √(2/π), tanh GELU
  cubic: tf.Scalar; // 0.044715, tanh GELU
}

export function makeGraphConstants(layerNormEps: number): GraphConstants {
  return {
    eps: layerNormEps,
    half: tf.keep(tf.scalar(0.5)),
    one: tf.keep(tf.scalar(1)),
    tanhScale: tf.keep(tf.scalar(Math.sqrt(2 / Math.PI))),
    cubic: tf.keep(tf.scalar(0.044715)),
  };
}

export function disposeGraphConstants(c: GraphConstants): void {
  tf.dispose([c.half, c.one, c.tanhScale, c.cubic]);
}

/** x [M, in] · kernel [in, out] + bias → [M, out], with ReLU fused in when asked. */
export function dense(x: tf.Tensor2D, p: DenseParams, activation?: 'relu'): tf.Tensor2D {
  return fusedDense(x, p.kernel, p.bias, activation ?? 'linear');
}

/**
 * LayerNorm(x + residual) over the last axis of x [M, H]; residual [R, H] repeats over the rows
 * when R < M (R divides M), or is absent.
 */
export function layerNorm(x: tf.Tensor2D, p: LayerNormParams, c: GraphConstants, residual: tf.Tensor2D | null = null): tf.Tensor2D {
  return residualLayerNorm(x, residual, p.gamma, p.beta, c.eps);
}

/** gelu_new: the tanh approximation of GELU; relu. (Exact gelu is fused with the bias: denseAct.) */
export function activate(x: tf.Tensor2D, act: Exclude<HiddenAct, 'gelu'>, c: GraphConstants): tf.Tensor2D {
  switch (act) {
    case 'gelu_new': {
      const inner = tf.mul(c.tanhScale, tf.add(x, tf.mul(c.cubic, tf.mul(tf.square(x), x))));
      return tf.mul(tf.mul(x, c.half), tf.add(c.one, tf.tanh(inner)));
    }
    case 'relu':
      return tf.relu(x);
  }
}

/** dense followed by the hidden activation; ReLU and exact GELU are fused into the dense op. */
export function denseAct(x: tf.Tensor2D, p: DenseParams, act: HiddenAct, c: GraphConstants): tf.Tensor2D {
  if (act === 'relu' || act === 'gelu') return fusedDense(x, p.kernel, p.bias, act);
  return activate(dense(x, p), act, c);
}
