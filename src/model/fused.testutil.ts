// Shared checks of the fused-kernel tests (cpu and wasm in fused-ops.test.ts, WebGPU in
// src/gpu/kernels/fused-kernels.webgpu.test.ts).
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { randomNormal } from '../gpu/kernels/check';
import { additiveMaskBias } from './attention';
import { attentionRef, biasGeluRef } from './fused-reference';

/**
 * GELU against float64, element by element: |got − want| ≤ erfError · 0.5·|u| (the erf
 * approximation's share) + ulps · 2^-23 · |want| (float32 rounding), u = x + bias. A relative
 * bound would not do: in the negative tail GELU is tiny and the erf error is absolute.
 */
export function expectGeluClose(
  got: ArrayLike<number>, xs: ArrayLike<number>, bias: ArrayLike<number>, bound: { erfError: number; ulps: number }, what: string,
): void {
  const want = biasGeluRef(xs, bias);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const u = Math.abs(Math.fround(xs[i]! + bias[i % bias.length]!));
    const allowed = bound.erfError * 0.5 * Math.max(u, 1e-30) + bound.ulps * 2 ** -23 * Math.abs(want[i]!);
    const excess = Math.abs(got[i]! - want[i]!) / allowed;
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  expect(worst, `${what}: error ${worst.toFixed(2)}× the bound at ${at} (got ${got[at]}, want ${want[at]})`).toBeLessThanOrEqual(1);
}

export type AttentionMaskKind = 'none' | 'keys' | 'full';

/** A self-attention test case: Q, K, V [B, L, N·D], an optional mask, and the float64 answer. */
export interface AttentionCase {
  q: tf.Tensor3D;
  k: tf.Tensor3D;
  v: tf.Tensor3D;
  mask: tf.Tensor | null;
  bias: tf.Tensor4D | null;
  want: Float64Array;
  dispose(): void;
}

/**
 * Random Q/K/V and a mask: none, keys (padding, [B, Lk], row b keeps L − b keys) or full
 * ([B, Lq, Lk] at random, with row 1 of batch 0 seeing nothing, where softmax is uniform).
 */
export async function attentionCase(rand: () => number, batch: number, l: number, heads: number, d: number, maskKind: AttentionMaskKind): Promise<AttentionCase> {
  const hd = heads * d;
  const [qs, ks, vs] = [randomNormal(rand, batch * l * hd, 0.5), randomNormal(rand, batch * l * hd, 0.5), randomNormal(rand, batch * l * hd)];
  let mask: tf.Tensor | null = null;
  if (maskKind === 'keys') {
    mask = tf.tensor2d(Array.from({ length: batch * l }, (_, i) => (i % l < l - (i / l | 0) ? 1 : 0)), [batch, l], 'int32');
  } else if (maskKind === 'full') {
    const m = Array.from({ length: batch * l * l }, () => (rand() < 0.7 ? 1 : 0));
    for (let j = 0; j < l; j++) m[l + j] = 0;
    mask = tf.tensor3d(m, [batch, l, l], 'int32');
  }
  const bias = mask ? (additiveMaskBias(mask as tf.Tensor2D | tf.Tensor3D) as tf.Tensor4D) : null;
  const biasData = bias ? await bias.data() : null;
  const want = attentionRef(qs, ks, vs, biasData, { batch, lq: l, lk: l, heads, headDim: d, biasBatch: batch, biasRows: maskKind === 'full' ? l : 1 });
  const [q, k, v] = [qs, ks, vs].map((a) => tf.tensor3d(a, [batch, l, hd])) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
  return { q, k, v, mask, bias, want, dispose: () => tf.dispose([q, k, v, mask, bias].filter((t): t is tf.Tensor => t !== null)) };
}
