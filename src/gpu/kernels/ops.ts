// The same four operations composed from tfjs ops, for the wasm, cpu and webgl backends.
// Linear attention uses the same chunked formulation as the WebGPU kernel (chunk sums, an
// exclusive cumsum over chunks, a masked score tile inside each chunk), which keeps the
// float32 sums short and the memory O(N·D²/CHUNK + N·CHUNK).
import * as tf from '@tensorflow/tfjs';
import type { AttentionMode } from './linear-attention-programs';
import type { DistanceMetric } from './pair-programs';
import { ropeTable } from './rope';

const OPS_CHUNK = 64;
export const MASKED_SCORE = -1e12;

/** φ(x) = elu(x) + 1. */
export function featureMap(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.elu(x), 1);
}

/**
 * Token weights [B, N] each, as in the kernel: global-sum weight, causal-sum weight, query gate.
 * keyMask > 0.5 keeps a key; typeIds > 0.5 marks a target token.
 */
export function tokenWeights(
  mode: AttentionMode, keyMask: tf.Tensor2D, typeIds: tf.Tensor2D,
): { global: tf.Tensor2D; causal: tf.Tensor2D; gate: tf.Tensor2D } {
  const keep = tf.cast(tf.greater(keyMask, 0.5), 'float32') as tf.Tensor2D;
  const zeros = tf.zerosLike(keep);
  if (mode === 'bidirectional') return { global: keep, causal: zeros, gate: zeros };
  if (mode === 'causal') return { global: zeros, causal: keep, gate: tf.onesLike(keep) };
  const isTarget = tf.cast(tf.greater(typeIds, 0.5), 'float32') as tf.Tensor2D;
  return { global: tf.mul(keep, tf.sub(1, isTarget)), causal: tf.mul(keep, isTarget), gate: isTarget };
}

/** [B, H, N, X] → [B, H, chunks, CHUNK, X], zero-padded at the end. */
function toChunks(x: tf.Tensor4D, chunks: number): tf.Tensor5D {
  const [b, h, n, w] = x.shape;
  const padded = tf.pad(x, [[0, 0], [0, 0], [0, chunks * OPS_CHUNK - n], [0, 0]]);
  return tf.reshape(padded, [b, h, chunks, OPS_CHUNK, w]);
}

export function linearAttentionOps(
  q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D,
  opts: { mode: AttentionMode; keyMask: tf.Tensor2D; typeIds: tf.Tensor2D; eps: number },
): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, n, d] = q.shape;
    const chunks = Math.ceil(n / OPS_CHUNK);
    const w = tokenWeights(opts.mode, opts.keyMask, opts.typeIds);
    const perKey = (t: tf.Tensor2D) => tf.reshape(t, [b, 1, n, 1]);
    const phiQ = featureMap(q) as tf.Tensor4D;
    const phiK = featureMap(k) as tf.Tensor4D;
    const vAug = tf.concat([v, tf.ones([b, h, n, 1])], 3) as tf.Tensor4D; // [B, H, N, D+1]
    const qc = toChunks(phiQ, chunks);                                   // [B, H, C, CH, D]
    const vc = toChunks(vAug, chunks);                                   // [B, H, C, CH, D+1]
    let num: tf.Tensor4D = tf.zeros([b, h, n, d + 1]);

    if (opts.mode !== 'causal') {
      const kc = toChunks(tf.mul(phiK, perKey(w.global)) as tf.Tensor4D, chunks);
      const sums = tf.matMul(kc, vc, true, false);                       // [B, H, C, D, D+1]
      const total = tf.sum(sums, 2);                                     // [B, H, D, D+1]
      num = tf.add(num, tf.matMul(phiQ, total));                         // [B, H, N, D+1]
    }
    if (opts.mode !== 'bidirectional') {
      const kc = toChunks(tf.mul(phiK, perKey(w.causal)) as tf.Tensor4D, chunks);
      const sums = tf.matMul(kc, vc, true, false);                       // [B, H, C, D, D+1]
      // Exclusive prefix over chunks; tfjs's cumsum takes rank <= 4 on WebGPU.
      const prefix = tf.reshape(tf.cumsum(tf.reshape(sums, [b * h, chunks, d * (d + 1)]), 1, true), sums.shape);
      const inter = tf.matMul(qc, prefix);                               // [B, H, C, CH, D+1]
      const lower = tf.linalg.bandPart(tf.ones([OPS_CHUNK, OPS_CHUNK]), -1, 0);
      const scores = tf.mul(tf.matMul(qc, kc, false, true), lower);      // [B, H, C, CH, CH]
      const intra = tf.matMul(scores, vc);                               // [B, H, C, CH, D+1]
      const causal = tf.slice(tf.reshape(tf.add(inter, intra), [b, h, chunks * OPS_CHUNK, d + 1]), [0, 0, 0, 0], [b, h, n, d + 1]);
      num = tf.add(num, tf.mul(causal, perKey(w.gate)));
    }
    const values = tf.slice(num, [0, 0, 0, 0], [b, h, n, d]);
    const norm = tf.slice(num, [0, 0, 0, d], [b, h, n, 1]);
    return tf.div(values, tf.add(norm, opts.eps)) as tf.Tensor4D;
  });
}

export function linearAttentionStepOps(
  state: { S: tf.Tensor4D; z: tf.Tensor3D }, q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, eps: number,
): { out: tf.Tensor3D; S: tf.Tensor4D; z: tf.Tensor3D } {
  return tf.tidy(() => {
    const phiQ = featureMap(q);
    const phiK = featureMap(k);
    const S = tf.add(state.S, tf.mul(tf.expandDims(phiK, 3), tf.expandDims(v, 2))) as tf.Tensor4D; // [B, H, D, Dv]
    const z = tf.add(state.z, phiK) as tf.Tensor3D;                                                  // [B, H, D]
    const num = tf.squeeze(tf.matMul(tf.expandDims(phiQ, 2), S), [2]);                               // [B, H, Dv]
    const den = tf.sum(tf.mul(phiQ, z), 2, true);                                                    // [B, H, 1]
    return { out: tf.div(num, tf.add(den, eps)) as tf.Tensor3D, S, z };
  });
}

/** RoPE on [B, H, N, D] with interleaved pairs; tables from float64. */
export function applyRope(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, n, d] = x.shape;
    const table = ropeTable(n, d);
    const cos = new Float32Array(n * d);
    const sin = new Float32Array(n * d);
    for (let i = 0; i < n * d; i += 2) {
      cos[i] = cos[i + 1] = table[i];
      sin[i] = sin[i + 1] = table[i + 1];
    }
    // rotate(x)[2p] = −x[2p+1], rotate(x)[2p+1] = x[2p]
    const pairs = tf.reshape(x, [b, h, n, d / 2, 2]);
    const [even, odd] = tf.split(pairs, 2, 4);
    const rotated = tf.reshape(tf.concat([tf.neg(odd), even], 4), [b, h, n, d]);
    return tf.add(tf.mul(x, tf.tensor2d(cos, [n, d])), tf.mul(rotated, tf.tensor2d(sin, [n, d]))) as tf.Tensor4D;
  });
}

export function globalPointerOps(
  q: tf.Tensor4D, k: tf.Tensor4D, mask: tf.Tensor2D,
  opts: { biasStart?: tf.Tensor3D; biasEnd?: tf.Tensor3D },
): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, , n, d] = q.shape;
    let scores: tf.Tensor = tf.mul(tf.matMul(applyRope(q), applyRope(k), false, true), 1 / Math.sqrt(d)); // [B, HQ, N, N]
    if (opts.biasStart) scores = tf.add(scores, tf.expandDims(opts.biasStart, 3));                        // + start[i]
    if (opts.biasEnd) scores = tf.add(scores, tf.expandDims(opts.biasEnd, 2));                            // + end[j]
    const keep = tf.cast(tf.greater(mask, 0.5), 'float32');
    const pairs = tf.mul(tf.reshape(keep, [b, 1, n, 1]), tf.reshape(keep, [b, 1, 1, n]));                 // [B, 1, N, N]
    const upper = tf.linalg.bandPart(tf.ones([n, n]), 0, -1);                                             // j >= i
    const valid = tf.greater(tf.mul(pairs, upper), 0.5);
    return tf.where(tf.broadcastTo(valid, scores.shape), scores, tf.fill(scores.shape, MASKED_SCORE)) as tf.Tensor4D;
  });
}

// Rows of `a` per block in the euclidean distance, sized so that a block's differences
// [B, rows, M, H] stay around 4M elements.
const DIFF_BLOCK_ELEMENTS = 1 << 22;

/**
 * Euclidean distance from differences, in blocks of rows: ‖a‖² + ‖b‖² − 2a·b loses all
 * precision for near-duplicate vectors (the WebGPU kernel also uses differences).
 */
function euclideanOps(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [batch, n, h] = a.shape;
  const m = b.shape[1];
  const rows = Math.max(1, Math.floor(DIFF_BLOCK_ELEMENTS / (batch * m * h)));
  const bb = tf.expandDims(b, 1);                                    // [B, 1, M, H]
  const blocks: tf.Tensor3D[] = [];
  for (let start = 0; start < n; start += rows) {
    const size = Math.min(rows, n - start);
    blocks.push(tf.tidy(() => {
      const block = tf.expandDims(tf.slice(a, [0, start, 0], [batch, size, h]), 2); // [B, rows, 1, H]
      return tf.sqrt(tf.sum(tf.square(tf.sub(block, bb)), 3)) as tf.Tensor3D;       // [B, rows, M]
    }));
  }
  bb.dispose();
  const out = blocks.length === 1 ? blocks[0] : (tf.concat(blocks, 1) as tf.Tensor3D);
  if (blocks.length > 1) blocks.forEach((t) => t.dispose());
  return out;
}

export function pairDistanceOps(a: tf.Tensor3D, b: tf.Tensor3D, metric: DistanceMetric): tf.Tensor3D {
  if (metric === 'euclidean') return euclideanOps(a, b);
  return tf.tidy(() => {
    const dots = tf.matMul(a, b, false, true);                                      // [B, N, M]
    const normA = tf.sqrt(tf.sum(tf.square(a), 2, true));                            // [B, N, 1]
    const normB = tf.transpose(tf.sqrt(tf.sum(tf.square(b), 2, true)), [0, 2, 1]);  // [B, 1, M]
    return tf.sub(1, tf.div(dots, tf.maximum(tf.mul(normA, normB), 1e-12))) as tf.Tensor3D;
  });
}
