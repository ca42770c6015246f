// Attention and pairwise kernels: hand-written WGSL on the WebGPU backend, tfjs ops elsewhere.
// Both paths validate inputs the same way and compute the same functions (see reference.ts).
import * as tf from '@tensorflow/tfjs';
import type { AttentionMode } from './linear-attention-programs';
import { globalPointerOps, linearAttentionOps, linearAttentionStepOps, pairDistanceOps } from './ops';
import type { DistanceMetric } from './pair-programs';
import { checkGlobalPointer, checkLinearAttention, checkLinearAttentionStep, checkPairDistance } from './validate';
import { KERNEL_NAMES, registerWebGPUKernels } from './webgpu-kernels';

export { KernelInputError, KernelLimitError } from './errors';
export { LINEAR_ATTENTION_MAX_DIM } from './linear-attention-programs';
export { registerWebGPUKernels } from './webgpu-kernels';
export type { AttentionMode, DistanceMetric };

export const DEFAULT_EPS = 1e-6;

export interface LinearAttentionOptions {
  mode: AttentionMode;
  /** [B, N]: 1 keeps key j, 0 drops it (padding). Default: every key kept. */
  keyMask?: tf.Tensor2D;
  /** [B, N], unilm only: 0 source token, 1 target token. */
  typeIds?: tf.Tensor2D;
  eps?: number;
}

export interface LinearAttentionState {
  /** Σ φ(k_j) v_jᵀ, [B, H, D, Dv]. */
  S: tf.Tensor4D;
  /** Σ φ(k_j), [B, H, D]. */
  z: tf.Tensor3D;
}

function onWebGPU(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  registerWebGPUKernels();
  return true;
}

/** Float32 view of an optional [B, N] mask, `fallback` when absent. Caller disposes `owned`. */
function floatMask(t: tf.Tensor2D | undefined, shape: [number, number], fallback: 0 | 1, owned: tf.Tensor[]): tf.Tensor2D {
  if (t && t.dtype === 'float32') return t;
  const out = t ? (tf.cast(t, 'float32') as tf.Tensor2D) : fallback === 1 ? tf.ones(shape) : tf.zeros(shape);
  owned.push(out);
  return out as tf.Tensor2D;
}

/**
 * Linear attention with φ(x) = elu(x) + 1 and no 1/√d scaling:
 *   out_i = φ(q_i)ᵀ Σ_j φ(k_j) v_jᵀ / (φ(q_i)ᵀ Σ_j φ(k_j) + eps)
 * over the keys j that query i sees: every kept key (bidirectional), kept keys j ≤ i (causal),
 * or for unilm every kept source key plus, for target queries, kept target keys j ≤ i.
 * q, k, v: [B, H, N, D] float32 → [B, H, N, D].
 */
export function linearAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, opts: LinearAttentionOptions): tf.Tensor4D {
  const { batch, n } = checkLinearAttention(q, k, v, opts);
  const eps = opts.eps ?? DEFAULT_EPS;
  const owned: tf.Tensor[] = [];
  try {
    const keyMask = floatMask(opts.keyMask, [batch, n], 1, owned);
    if (!onWebGPU()) {
      const typeIds = floatMask(opts.typeIds, [batch, n], 0, owned);
      return linearAttentionOps(q, k, v, { mode: opts.mode, keyMask, typeIds, eps });
    }
    // Outside unilm the type ids are unused; bind the mask again instead of allocating.
    const typeIds = opts.mode === 'unilm' ? floatMask(opts.typeIds, [batch, n], 0, owned) : keyMask;
    return tf.engine().runKernel(KERNEL_NAMES.linearAttention, { q, k, v, keyMask, typeIds }, { mode: opts.mode, eps }) as tf.Tensor4D;
  } finally {
    owned.forEach((t) => t.dispose());
  }
}

/**
 * One decoding step of causal linear attention: adds token (k, v) to the state and returns the
 * new token's output. q, k: [B, H, D]; v: [B, H, Dv]. O(D·Dv) per head. The caller owns (and
 * disposes) both the old and the new state.
 */
export function linearAttentionStep(
  state: LinearAttentionState, q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, eps: number = DEFAULT_EPS,
): { out: tf.Tensor3D; S: tf.Tensor4D; z: tf.Tensor3D } {
  checkLinearAttentionStep(state, q, k, v);
  if (!onWebGPU()) return linearAttentionStepOps(state, q, k, v, eps);
  const [out, S, z] = tf.engine().runKernel(
    KERNEL_NAMES.linearAttentionStep, { S: state.S, z: state.z, q, k, v }, { eps },
  ) as [tf.Tensor3D, tf.Tensor4D, tf.Tensor3D];
  return { out, S, z };
}

/** An empty decoding state for `linearAttentionStep`. */
export function emptyLinearAttentionState(batch: number, heads: number, d: number, dv: number = d): LinearAttentionState {
  return { S: tf.zeros([batch, heads, d, dv]), z: tf.zeros([batch, heads, d]) };
}

export interface GlobalPointerOptions {
  /** [B, heads, N], added to every score of start token i (Efficient GlobalPointer). */
  biasStart?: tf.Tensor3D;
  /** [B, heads, N], added to every score of end token j. */
  biasEnd?: tf.Tensor3D;
}

/**
 * GlobalPointer span scores [B, heads, N, N]: RoPE(q_i)·RoPE(k_j)/√D (+ biasStart[i] + biasEnd[j]),
 * and −1e12 where i > j or token i or j is padding. q, k: [B, heads or 1, N, D] before RoPE
 * (interleaved pairs, base 10000); mask [B, N] with 1 for real tokens.
 */
export function globalPointerScores(q: tf.Tensor4D, k: tf.Tensor4D, mask: tf.Tensor2D, opts: GlobalPointerOptions = {}): tf.Tensor4D {
  const dims = checkGlobalPointer(q, k, mask, opts);
  const owned: tf.Tensor[] = [];
  try {
    const maskF = floatMask(mask, [dims.batch, dims.n], 1, owned);
    if (!onWebGPU()) return globalPointerOps(q, k, maskF, opts);
    const zeros = () => {
      const t = tf.zeros([dims.batch, dims.heads, dims.n]) as tf.Tensor3D;
      owned.push(t);
      return t;
    };
    const biasStart = opts.biasStart ?? zeros();
    const biasEnd = opts.biasEnd ?? zeros();
    return tf.engine().runKernel(KERNEL_NAMES.globalPointer, { q, k, mask: maskF, biasStart, biasEnd }, {}) as tf.Tensor4D;
  } finally {
    owned.forEach((t) => t.dispose());
  }
}

/**
 * Distances between every vector of a [B, N, H] and every vector of b [B, M, H] → [B, N, M].
 * 'euclidean': ‖a_i − b_j‖; 'cosine': 1 − cos(a_i, b_j) (with ‖a‖‖b‖ floored at 1e-12).
 */
export function pairDistance(a: tf.Tensor3D, b: tf.Tensor3D, metric: DistanceMetric): tf.Tensor3D {
  checkPairDistance(a, b, metric);
  if (!onWebGPU()) return pairDistanceOps(a, b, metric);
  return tf.engine().runKernel(KERNEL_NAMES.pairDistance, { a, b }, { metric }) as tf.Tensor3D;
}
