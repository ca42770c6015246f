// Linear attention for BERT layers (config `attention: "linear"`): φ(x) = elu(x) + 1 feature
// maps instead of softmax (Katharopoulos et al. 2020), no 1/√d scaling, ε = 1e-6. The
// full-sequence cases run the hand-written kernels of src/gpu/kernels (bidirectional, UniLM);
// other masks (a query block against cached keys, an arbitrary 3-D mask) use the equivalent
// masked form out_i = Σ_j m_ij φ(q_i)·φ(k_j) v_j / (Σ_j m_ij φ(q_i)·φ(k_j) + ε).
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_EPS, linearAttention, linearAttentionStep } from '../gpu/kernels';
import { registerAttentionKernel, type AttendFn } from './attention';

function feature(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.elu(x), 1);
}

/** 1 where the additive bias allows attention, 0 where it masks. */
function allowed(bias: tf.Tensor): tf.Tensor {
  return tf.cast(tf.equal(bias, 0), 'float32');
}

/** The masked form; also gives the effective attention weights when asked. */
function maskedLinear(q: tf.Tensor4D, keyT: tf.Tensor4D, value: tf.Tensor4D, bias: tf.Tensor | null, wantProbs: boolean) {
  return tf.tidy(() => {
    let weights = tf.matMul(feature(q), feature(keyT)); // [B, N, Lq, D] · [B, N, D, Lk] → [B, N, Lq, Lk]
    if (bias) weights = tf.mul(weights, allowed(bias));
    const norm = tf.add(tf.sum(weights, -1, true), DEFAULT_EPS); // [B, N, Lq, 1]
    const context = tf.div(tf.matMul(weights, value), norm) as tf.Tensor4D; // [B, N, Lq, D]
    return wantProbs ? { context, probs: tf.div(weights, norm) as tf.Tensor4D } : { context };
  });
}

export const linearAttend: AttendFn = (q, keyT, value, bias, wantProbs, pattern) => {
  const [b, , lq] = q.shape;
  const lk = keyT.shape[3];
  const padOnly = bias === null || bias.shape[2] === 1; // [B, 1, 1, Lk] or none
  if (lq !== lk || wantProbs || (!pattern && !padOnly)) return maskedLinear(q, keyT, value, bias, wantProbs);
  return tf.tidy(() => {
    const k = tf.transpose(keyT, [0, 1, 3, 2]) as tf.Tensor4D; // [B, N, Lk, D]
    if (pattern) {
      return { context: linearAttention(q, k, value, { mode: pattern.mode, keyMask: pattern.keyMask, typeIds: pattern.typeIds }) };
    }
    const keyMask = bias ? (tf.reshape(allowed(bias), [b, lk]) as tf.Tensor2D) : undefined;
    return { context: linearAttention(q, k, value, { mode: 'bidirectional', keyMask }) };
  });
};

registerAttentionKernel('linear', () => ({ kind: 'linear', queryScale: 1, attend: linearAttend }));

/**
 * Linear attention that carries the recurrent state (S, z) instead of keys and values.
 * Without `past`: the block attends to itself (bidirectionally; a padding-only bias may drop
 * keys) and the state summarises its keys. With `past`: one new token per row updates the state
 * with `linearAttentionStep` and attends to everything before it and itself, O(D²) per token.
 * q [B, N, Lq, D], keyT [B, N, D, Lq], value [B, N, Lq, D] → context [B, N, Lq, D] and the
 * state as [S [B, N, D, D], z [B, N, 1, D]].
 */
export function linearStateAttend(
  q: tf.Tensor4D,
  keyT: tf.Tensor4D,
  value: tf.Tensor4D,
  bias: tf.Tensor | null,
  past: { keyT: tf.Tensor4D; value: tf.Tensor4D } | undefined,
): { context: tf.Tensor4D; state: [tf.Tensor4D, tf.Tensor4D] } {
  const [b, n, lq, d] = q.shape;
  if (past) {
    if (lq !== 1 || bias !== null) {
      throw new RangeError('Recurrent linear attention extends the state by one unmasked token per row at a time.');
    }
    const r = linearAttentionStep(
      { S: past.keyT, z: past.value.reshape([b, n, d]) as tf.Tensor3D },
      q.reshape([b, n, d]) as tf.Tensor3D,
      keyT.reshape([b, n, d]) as tf.Tensor3D,
      value.reshape([b, n, d]) as tf.Tensor3D,
    );
    return { context: r.out.reshape([b, n, 1, d]) as tf.Tensor4D, state: [r.S, r.z.reshape([b, n, 1, d]) as tf.Tensor4D] };
  }
  if (bias !== null && bias.shape[2] !== 1) {
    throw new RangeError('Recurrent linear attention starts from a block with at most a padding mask.');
  }
  let phiKT = feature(keyT) as tf.Tensor4D; // [B, N, D, Lk]
  if (bias) phiKT = tf.mul(phiKT, allowed(bias)) as tf.Tensor4D; // padded keys contribute nothing
  const S = tf.matMul(phiKT, value) as tf.Tensor4D; // [B, N, D, Lk] · [B, N, Lk, D] → [B, N, D, D]
  const z = tf.sum(phiKT, 3).reshape([b, n, 1, d]) as tf.Tensor4D; // [B, N, 1, D]
  const { context } = linearAttend(q, keyT, value, bias, false);
  return { context, state: [S, z] };
}
