// Linear attention for BERT layers (config `attention: "linear"`): φ(x) = elu(x) + 1 feature
// maps instead of softmax (Katharopoulos et al. 2020), no 1/√d scaling, ε = 1e-6. The
// full-sequence cases run the hand-written kernels of src/gpu/kernels (bidirectional, UniLM);
// other masks (a query block against cached keys, an arbitrary 3-D mask) use the equivalent
// masked form out_i = Σ_j m_ij φ(q_i)·φ(k_j) v_j / (Σ_j m_ij φ(q_i)·φ(k_j) + ε).
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_EPS, linearAttention } from '../gpu/kernels';
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
