// Fused operations of the BERT graph, each one tfjs kernel where a backend has it:
//   residualLayerNorm  LayerNorm(x + residual) · gamma + beta      (composed: ~9 kernels)
//   biasGelu           gelu(x + bias), exact erf form              (composed: ~6 kernels)
//   selfAttention      softmax(q·kᵀ + bias)·v on [B, L, N·D]       (composed: 4 transposes, 2 matMuls, add, softmax)
//   dense              act(x·w + bias), act linear, ReLU or GELU   (WebGPU only: barrier-free, beats tfjs's matMul on SwiftShader)
// Kernels: 'wasm' and 'cpu' run JS loops over the backend's memory (src/cpu), 'webgpu' runs
// WGSL (src/gpu/kernels); any other backend (webgl) gets the composed ops below. On wasm the
// kernels are WebAssembly SIMD (src/cpu/fused-simd.wat) where the sizes are multiples of 4;
// the scalar JS fallback runs only up to the sizes where it beats the composed ops (WASM_JS_LIMITS). Gradients are
// registered for every kernel (integrated gradients backpropagates through the encoder).
import * as tf from '@tensorflow/tfjs';
import { CPU_FUSED_KERNELS, WASM_FUSED_KERNELS, type FusedKernelFuncs } from '../cpu/fused-kernels';
import { simdKernelsFor } from '../cpu/fused-simd';
import { WEBGPU_FUSED_KERNELS } from '../gpu/kernels/fused-kernels';

export const FUSED_KERNEL_NAMES = {
  layerNorm: 'BertLayerNorm', // x, gamma, beta
  residualLayerNorm: 'BertResidualLayerNorm', // x, residual, gamma, beta
  biasGelu: 'BertBiasGelu', // x, bias
  attention: 'BertSelfAttention', // q, k, v
  maskedAttention: 'BertMaskedSelfAttention', // q, k, v, bias
  dense: 'BertDense', // x, w, bias
  gatherRows: 'BertGatherRows', // table, ids
} as const;

/** Gradient of a kernel with respect to each named input. */
type GradientMap = Record<string, () => tf.Tensor>;

const KERNELS_BY_BACKEND: Record<string, Partial<FusedKernelFuncs>> = {
  wasm: WASM_FUSED_KERNELS,
  cpu: CPU_FUSED_KERNELS,
  webgpu: WEBGPU_FUSED_KERNELS,
};

let registered = false;

/** Registers the kernels and their gradients with tfjs (idempotent). */
export function registerFusedKernels(): void {
  if (registered) return;
  registered = true;
  const N = FUSED_KERNEL_NAMES;
  for (const [backendName, k] of Object.entries(KERNELS_BY_BACKEND)) {
    const pairs: [string, tf.KernelFunc | undefined][] = [
      [N.layerNorm, k.residualLayerNorm], [N.residualLayerNorm, k.residualLayerNorm], [N.biasGelu, k.biasGelu],
      [N.attention, k.selfAttention], [N.maskedAttention, k.selfAttention], [N.dense, k.dense], [N.gatherRows, k.gatherRows],
    ];
    for (const [kernelName, kernelFunc] of pairs) {
      if (kernelFunc && !tf.getKernel(kernelName, backendName)) tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
  tf.registerGradient({ kernelName: N.layerNorm, inputsToSave: ['x', 'gamma'], gradFunc: layerNormGrad });
  tf.registerGradient({ kernelName: N.residualLayerNorm, inputsToSave: ['x', 'residual', 'gamma'], gradFunc: layerNormGrad });
  tf.registerGradient({ kernelName: N.biasGelu, inputsToSave: ['x', 'bias'], gradFunc: biasGeluGrad });
  tf.registerGradient({ kernelName: N.attention, inputsToSave: ['q', 'k', 'v'], gradFunc: attentionGrad });
  tf.registerGradient({ kernelName: N.maskedAttention, inputsToSave: ['q', 'k', 'v', 'bias'], gradFunc: attentionGrad });
  tf.registerGradient({ kernelName: N.dense, inputsToSave: ['x', 'w', 'bias'], gradFunc: denseGrad });
  tf.registerGradient({ kernelName: N.gatherRows, inputsToSave: ['table', 'ids'], gradFunc: gatherRowsGrad });
}

/** Whether the active backend has `kernelName` as one kernel. */
export function hasFusedKernel(kernelName: string): boolean {
  registerFusedKernels();
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/**
 * Which implementation an op runs: 'auto' picks by backend and size (below), 'kernel' always
 * runs the fused kernel (kernel checks and benchmarks; throws where the backend has none).
 */
export type FusedPath = 'auto' | 'kernel';

/**
 * Sizes up to which the wasm backend runs the scalar JS kernels (where the SIMD ones cannot
 * run: no WebAssembly SIMD, or a feature/head size that is not a multiple of 4). Past them tfjs-wasm's own SIMD
 * kernels, even six or nine of them, beat one scalar JS loop (min of 21 runs, fixture shapes,
 * this 2-core machine): LayerNorm [512, 64] 0.16 ms JS vs 0.12 ms composed, [7800, 64]
 * 4.0 vs 1.7 ms; attention B1×L32 (65 k multiply-adds per matmul) 0.18 vs 0.18 ms, B1×L128
 * 2.8 vs 2.0 ms. GELU has no limit: tfjs-wasm's erf alone is slower than the JS kernel.
 */
const WASM_JS_LIMITS: Record<string, number> = {
  [FUSED_KERNEL_NAMES.layerNorm]: 16384, // elements of x
  [FUSED_KERNEL_NAMES.residualLayerNorm]: 16384,
  [FUSED_KERNEL_NAMES.attention]: 65536, // B·N·Lq·Lk·D
  [FUSED_KERNEL_NAMES.maskedAttention]: 65536,
};

/**
 * Whether to run the fused kernel: `work` is the size WASM_JS_LIMITS bounds, `vectorizable`
 * whether the wasm kernel can run in SIMD at this shape (it then has no limit).
 */
function useKernel(kernelName: string, work: number, path: FusedPath, vectorizable: boolean): boolean {
  if (path === 'kernel') {
    if (!hasFusedKernel(kernelName)) throw new Error(`The ${tf.getBackend()} backend has no ${kernelName} kernel.`);
    return true;
  }
  if (!hasFusedKernel(kernelName)) return false;
  if (tf.getBackend() !== 'wasm' || (vectorizable && simdKernelsFor(tf.backend()))) return true;
  return work <= (WASM_JS_LIMITS[kernelName] ?? Infinity);
}

function asFloat<T extends tf.Tensor>(t: T): T {
  return (t.dtype === 'float32' ? t : tf.cast(t, 'float32')) as T;
}

// ---------------------------------------------------------------------------------------------
// LayerNorm

/**
 * LayerNorm over the last axis of x [M, H] (+ residual [R, H], R dividing M: row r adds
 * residual row r mod R), then · gamma + beta [H]. The variance is the mean of squared
 * deviations from the mean (not E[x²] − E[x]², which cancels in float32 with eps = 1e-12).
 */
export function residualLayerNorm(
  x: tf.Tensor2D, residual: tf.Tensor2D | null, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number, path: FusedPath = 'auto',
): tf.Tensor2D {
  const [m, h] = x.shape;
  if (residual && (residual.shape[1] !== h || m % residual.shape[0] !== 0)) {
    throw new RangeError(`residualLayerNorm: residual [${residual.shape}] does not repeat over x [${x.shape}].`);
  }
  const name = residual ? FUSED_KERNEL_NAMES.residualLayerNorm : FUSED_KERNEL_NAMES.layerNorm;
  if (!useKernel(name, m * h, path, h % 4 === 0)) return residualLayerNormOps(x, residual, gamma, beta, eps);
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = { x: asFloat(x), gamma: asFloat(gamma), beta: asFloat(beta) };
    if (residual) inputs.residual = asFloat(residual);
    return tf.engine().runKernel(name, inputs, { eps }) as tf.Tensor2D;
  });
}

/** x [M, H] + residual [R, H] repeated over M / R blocks of rows. */
function addRepeated(x: tf.Tensor2D, residual: tf.Tensor2D): tf.Tensor2D {
  const [m, h] = x.shape;
  const r = residual.shape[0];
  if (r === m) return tf.add(x, residual);
  return tf.add(x.reshape([m / r, r, h]), residual).reshape([m, h]);
}

/** The same function from tfjs ops: the fallback, and the reference the kernels are held to. */
export function residualLayerNormOps(
  x: tf.Tensor2D, residual: tf.Tensor2D | null, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const s = residual ? addRepeated(x, residual) : x; // [M, H]
    const mean = tf.mean(s, -1, true); // [M, 1]
    const centred = tf.sub(s, mean); // [M, H]
    const variance = tf.mean(tf.square(centred), -1, true); // [M, 1]
    const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, eps))); // [M, H]
    return tf.add(tf.mul(normed, gamma), beta);
  });
}

/**
 * y = x̂·γ + β, x̂ = (s − μ)·r, r = 1/√(σ² + eps), s = x + residual:
 * ∂s = r·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ; ∂γ = Σ_rows dy·x̂; ∂β = Σ_rows dy.
 */
function layerNormGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap): GradientMap {
  const g0 = dy as tf.Tensor2D;
  const residual = saved.length === 3 ? (saved[1] as tf.Tensor2D) : null;
  const x = saved[0] as tf.Tensor2D;
  const gamma = saved[saved.length - 1]!;
  const eps = (attrs as { eps: number }).eps;
  const [m, h] = x.shape;
  const s = residual ? addRepeated(x, residual) : x;
  const mean = tf.mean(s, -1, true);
  const centred = tf.sub(s, mean);
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps)); // [M, 1]
  const xhat = tf.mul(centred, rstd);
  const g = tf.mul(g0, gamma);
  const ds = tf.mul(rstd, tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xhat, tf.mean(tf.mul(g, xhat), -1, true)))) as tf.Tensor2D;
  const grads: GradientMap = {
    x: () => ds,
    gamma: () => tf.sum(tf.mul(g0, xhat), 0),
    beta: () => tf.sum(g0, 0),
  };
  if (residual) {
    const r = residual.shape[0];
    grads.residual = () => (r === m ? ds : tf.sum(ds.reshape([m / r, r, h]), 0));
  }
  return grads;
}

// ---------------------------------------------------------------------------------------------
// GELU

/** gelu(x + bias) = 0.5·u·(1 + erf(u/√2)), u = x + bias; x [M, I], bias [I]. */
export function biasGelu(x: tf.Tensor2D, bias: tf.Tensor1D, path: FusedPath = 'auto'): tf.Tensor2D {
  if (bias.shape[0] !== x.shape[1]) throw new RangeError(`biasGelu: bias [${bias.shape}] does not match x [${x.shape}].`);
  if (!useKernel(FUSED_KERNEL_NAMES.biasGelu, x.size, path, x.shape[1] % 4 === 0)) return biasGeluOps(x, bias);
  return tf.tidy(() => tf.engine().runKernel(FUSED_KERNEL_NAMES.biasGelu, { x: asFloat(x), bias: asFloat(bias) }, {}) as tf.Tensor2D);
}

export function biasGeluOps(x: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const u = tf.add(x, bias);
    return tf.mul(tf.mul(u, 0.5), tf.add(1, tf.erf(tf.mul(u, Math.SQRT1_2))));
  });
}

/** d gelu(u)/du = Φ(u) + u·φ(u). */
function biasGeluGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]): GradientMap {
  const [x, bias] = saved as [tf.Tensor2D, tf.Tensor1D];
  const u = tf.add(x, bias);
  const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(u, Math.SQRT1_2))));
  const pdf = tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(u))));
  const du = tf.mul(dy as tf.Tensor, tf.add(cdf, tf.mul(u, pdf)));
  return { x: () => du, bias: () => tf.sum(du, 0) };
}

// ---------------------------------------------------------------------------------------------
// Attention

/**
 * Softmax attention over the projections' own layout: q [B, Lq, N·D] (already scaled by
 * 1/√D), k and v [B, Lk, N·D]; bias (0 = may attend) broadcasts as [B or 1, 1, Lq or 1, Lk]
 * (what additiveMaskBias returns) or is null → context [B, Lq, N·D], heads merged.
 */
export function selfAttention(
  q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, bias: tf.Tensor4D | null, heads: number, path: FusedPath = 'auto',
): tf.Tensor3D {
  const [b, lq, h] = q.shape;
  const lk = k.shape[1];
  if (k.shape[0] !== b || k.shape[2] !== h || v.shape.some((s, i) => s !== k.shape[i]) || h % heads !== 0) {
    throw new RangeError(`selfAttention: q [${q.shape}], k [${k.shape}], v [${v.shape}] do not fit ${heads} heads.`);
  }
  if (bias && (bias.shape[1] !== 1 || ![1, b].includes(bias.shape[0]) || ![1, lq].includes(bias.shape[2]) || bias.shape[3] !== lk)) {
    throw new RangeError(`selfAttention: bias [${bias.shape}] does not broadcast to [${b}, ${heads}, ${lq}, ${lk}].`);
  }
  const name = bias ? FUSED_KERNEL_NAMES.maskedAttention : FUSED_KERNEL_NAMES.attention;
  if (!useKernel(name, b * lq * lk * h, path, (h / heads) % 4 === 0 && lk > 0)) return selfAttentionOps(q, k, v, bias, heads);
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = { q: asFloat(q), k: asFloat(k), v: asFloat(v) };
    if (bias) inputs.bias = asFloat(bias); // [Bb, 1, Lb, Lk]
    return tf.engine().runKernel(name, inputs, { heads }) as tf.Tensor3D;
  });
}

/** [B, L, N·D] → [B, N, L, D]. */
function splitHeads(x: tf.Tensor3D, heads: number): tf.Tensor4D {
  const [b, l, h] = x.shape;
  return x.reshape([b, l, heads, h / heads]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
}

/** [B, N, L, D] → [B, L, N·D]. */
function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  const [b, n, l, d] = x.shape;
  return x.transpose([0, 2, 1, 3]).reshape([b, l, n * d]) as tf.Tensor3D;
}

function attentionProbs(q: tf.Tensor3D, k: tf.Tensor3D, bias: tf.Tensor | null, heads: number): tf.Tensor4D {
  const scores = tf.matMul(splitHeads(q, heads), splitHeads(k, heads), false, true); // [B, N, Lq, Lk]
  return tf.softmax(bias ? tf.add(scores, bias) : scores) as tf.Tensor4D; // bias [Bb, 1, Lb, Lk]
}

export function selfAttentionOps(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, bias: tf.Tensor4D | null, heads: number): tf.Tensor3D {
  return tf.tidy(() => mergeHeads(tf.matMul(attentionProbs(q, k, bias, heads), splitHeads(v, heads)) as tf.Tensor4D));
}

/**
 * With P = softmax(S), S = q·kᵀ + bias, context = P·v (per head):
 * ∂v = Pᵀ·dc; ∂P = dc·vᵀ; ∂S = P ⊙ (∂P − rowsum(∂P ⊙ P)); ∂q = ∂S·k; ∂k = ∂Sᵀ·q; ∂bias = Σ ∂S
 * over the axes the bias broadcasts along.
 */
function attentionGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap): GradientMap {
  const [q, k, v, bias] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor4D | undefined];
  const heads = (attrs as { heads: number }).heads;
  const p = attentionProbs(q, k, bias ?? null, heads); // [B, N, Lq, Lk]
  const dc = splitHeads(dy as tf.Tensor3D, heads); // [B, N, Lq, D]
  const dp = tf.matMul(dc, splitHeads(v, heads), false, true); // [B, N, Lq, Lk]
  const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), -1, true))) as tf.Tensor4D;
  const grads: GradientMap = {
    q: () => mergeHeads(tf.matMul(ds, splitHeads(k, heads)) as tf.Tensor4D),
    k: () => mergeHeads(tf.matMul(ds, splitHeads(q, heads), true, false) as tf.Tensor4D),
    v: () => mergeHeads(tf.matMul(p, dc, true, false) as tf.Tensor4D),
  };
  if (bias) {
    grads.bias = () => {
      let g: tf.Tensor = tf.sum(ds, 1, true); // [B, 1, Lq, Lk]
      if (bias.shape[0] === 1) g = tf.sum(g, 0, true);
      if (bias.shape[2] === 1) g = tf.sum(g, 2, true);
      return g;
    };
  }
  return grads;
}

// ---------------------------------------------------------------------------------------------
// Dense

export type DenseActivation = 'linear' | 'relu' | 'gelu';

/** act(x·w + bias): x [M, K], w [K, N], bias [N] → [M, N]; gelu is the exact erf form. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D, activation: DenseActivation = 'linear', path: FusedPath = 'auto'): tf.Tensor2D {
  if (x.shape[1] !== w.shape[0] || bias.shape[0] !== w.shape[1]) {
    throw new RangeError(`dense: x [${x.shape}], w [${w.shape}] and bias [${bias.shape}] do not fit.`);
  }
  if (!useKernel(FUSED_KERNEL_NAMES.dense, x.shape[0] * w.shape[1], path, false)) return denseOps(x, w, bias, activation);
  return tf.tidy(() => tf.engine().runKernel(FUSED_KERNEL_NAMES.dense, { x: asFloat(x), w: asFloat(w), bias: asFloat(bias) }, { activation }) as tf.Tensor2D);
}

export function denseOps(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D, activation: DenseActivation): tf.Tensor2D {
  if (activation === 'gelu') return biasGelu(tf.matMul(x, w), bias); // [M, K] · [K, N] → [M, N]
  return tf.fused.matMul({ a: x, b: w, bias, activation }) as tf.Tensor2D;
}

/** With u = x·w + bias and g = dy ⊙ act'(u): ∂x = g·wᵀ, ∂w = xᵀ·g, ∂bias = Σ_rows g. */
function denseGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap): GradientMap {
  const [x, w, bias] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
  const activation = (attrs as { activation: DenseActivation }).activation;
  let g = dy as tf.Tensor2D;
  if (activation !== 'linear') {
    const u = tf.add(tf.matMul(x, w), bias);
    if (activation === 'relu') {
      g = tf.mul(g, tf.step(u));
    } else {
      const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(u, Math.SQRT1_2))));
      const pdf = tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(u))));
      g = tf.mul(g, tf.add(cdf, tf.mul(u, pdf)));
    }
  }
  return { x: () => tf.matMul(g, w, false, true), w: () => tf.matMul(x, g, true, false), bias: () => tf.sum(g, 0) };
}

// ---------------------------------------------------------------------------------------------
// Embedding lookup

/**
 * Rows of table [V, H] at ids [...] (int32) → [..., H]: tf.gather, except on wasm with SIMD,
 * where one block copy per row replaces tfjs-wasm's element-by-element GatherV2.
 */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor, path: FusedPath = 'auto'): tf.Tensor {
  if (ids.dtype !== 'int32') throw new TypeError(`gatherRows: ids must be int32 (got ${ids.dtype}).`);
  const kernel = path === 'kernel' || (hasFusedKernel(FUSED_KERNEL_NAMES.gatherRows) && simdKernelsFor(tf.backend()) !== null);
  if (!kernel) return tf.gather(table, ids);
  return tf.tidy(() => tf.engine().runKernel(FUSED_KERNEL_NAMES.gatherRows, { table: asFloat(table), ids }, {}) as tf.Tensor);
}

/**
 * ∂table[v] = Σ of dy over the positions whose id is v, as oneHot(ids)ᵀ·dy (tfjs-wasm has no
 * UnsortedSegmentSum, which tf.gather's own gradient needs); ids get none.
 */
function gatherRowsGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]): GradientMap {
  const [table, ids] = saved as [tf.Tensor2D, tf.Tensor];
  const [vocab, h] = table.shape;
  return {
    table: () => tf.matMul(tf.oneHot(ids.reshape([ids.size]) as tf.Tensor1D, vocab), (dy as tf.Tensor).reshape([ids.size, h]), true, false),
    ids: () => tf.zerosLike(ids),
  };
}
