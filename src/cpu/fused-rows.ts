// The fused BERT operations as plain loops over row-major float32 arrays: the kernels of the
// wasm and cpu backends run these directly on the backends' own memory (no tfjs op per step).
// Arithmetic is float64 throughout, rounded to float32 once when stored.
//
// Shapes: M rows, H features; B batch, Lq queries, Lk keys, N heads, D = H / N head size.

/**
 * erf(x) ≈ x · P(x²) / Q(x²) on |x| < 4 (±1 beyond, where 1 − erf(4) = 1.5e-8): a rational
 * fit of our own (least squares, reweighted towards minimax), |error| < 2.5e-8 in float64 and
 * ~3.5e-7 evaluated in float32. No exp, so it costs a dozen multiply-adds and one division.
 * The WGSL kernels use the same coefficients (shaders/gelu_common.wgsl).
 */
export const ERF_P = [
  1.1283790612892988, 0.19438034073123975, 0.05321624374858329, 0.0039218658933251604, 0.00028590603659821995,
  1.985583978458827e-6,
] as const;
export const ERF_Q = [
  1.0, 0.5055969967017659, 0.11569977688143544, 0.015281744898450614, 0.0011959298602163063, 3.748002459077332e-5,
] as const;

const [P0, P1, P2, P3, P4, P5] = ERF_P;
const [, Q1, Q2, Q3, Q4, Q5] = ERF_Q;

/** erf(x), |error| < 2.5e-8; exactly ±1 for |x| ≥ 4, so GELU's tails are exactly 0 and x. */
export function erfRational(x: number): number {
  const z = Math.abs(x);
  const u = z * z;
  const p = P0 + u * (P1 + u * (P2 + u * (P3 + u * (P4 + u * P5))));
  const q = 1 + u * (Q1 + u * (Q2 + u * (Q3 + u * (Q4 + u * Q5))));
  const e = z < 4 ? (z * p) / q : 1;
  return x < 0 ? -e : e;
}

/** Exact-form GELU, 0.5 · x · (1 + erf(x/√2)); |error| < 1.3e-8 · |x|. */
export function geluErf(x: number): number {
  return 0.5 * x * (1 + erfRational(x * Math.SQRT1_2));
}

/** out[r, c] = gelu(x[r, c] + bias[c]) for x [M, H], bias [H]. `out` may be `x`. */
export function biasGeluRows(x: Float32Array, bias: Float32Array, out: Float32Array): void {
  const h = bias.length;
  for (let i = 0, c = 0; i < x.length; i++) {
    out[i] = geluErf(Math.fround(x[i]! + bias[c]!)); // the sum is a float32 tensor in the composed graph
    if (++c === h) c = 0;
  }
}

/**
 * out[r] = LayerNorm(x[r] + residual[r mod R]) · gamma + beta over rows of x [M, H], residual
 * [R, H] with R dividing M (or null). The variance is the mean of squared deviations (two
 * passes), as in Hugging Face; the row sum is rounded to float32 like the composed graph's add.
 */
export function residualLayerNormRows(
  x: Float32Array, residual: Float32Array | null, gamma: Float32Array, beta: Float32Array, eps: number, out: Float32Array,
): void {
  const h = gamma.length;
  const rows = x.length / h;
  const resRows = residual ? residual.length / h : 1;
  const s = new Float64Array(h);
  for (let r = 0; r < rows; r++) {
    const o = r * h;
    const ro = (r % resRows) * h;
    let sum = 0;
    for (let c = 0; c < h; c++) {
      const v = residual ? Math.fround(x[o + c]! + residual[ro + c]!) : x[o + c]!;
      s[c] = v;
      sum += v;
    }
    const mean = sum / h;
    let sq = 0;
    for (let c = 0; c < h; c++) {
      const d = s[c]! - mean;
      s[c] = d;
      sq += d * d;
    }
    const rstd = 1 / Math.sqrt(sq / h + eps);
    for (let c = 0; c < h; c++) out[o + c] = s[c]! * rstd * gamma[c]! + beta[c]!;
  }
}

export interface AttentionDims {
  batch: number;
  lq: number;
  lk: number;
  heads: number;
  headDim: number;
  /** Batch and query extents of the bias [biasBatch, biasRows, Lk]: 1 (broadcast) or B / Lq. */
  biasBatch: number;
  biasRows: number;
}

/**
 * Softmax attention of every head on the projections' own layout, no transposes:
 * q [B, Lq, N·D] (already scaled), k and v [B, Lk, N·D], bias [biasBatch, biasRows, Lk] or
 * null → out [B, Lq, N·D]:  out_i = Σ_j softmax_j(q_i·k_j + bias_ij) v_j, per head.
 */
export function attentionRows(
  q: Float32Array, k: Float32Array, v: Float32Array, bias: Float32Array | null, dims: AttentionDims, out: Float32Array,
): void {
  const { batch, lq, lk, heads, headDim: d, biasBatch, biasRows } = dims;
  const h = heads * d;
  const p = new Float64Array(lk);
  // Two to four independent accumulators per sum (instead of one, or of an array element
  // updated in place) let V8 keep them in registers and overlap the multiply-adds: ~1.5×.
  for (let b = 0; b < batch; b++) {
    const kBase = b * lk * h;
    for (let i = 0; i < lq; i++) {
      const qRow = (b * lq + i) * h;
      const biasRow = bias ? ((b % biasBatch) * biasRows + (i % biasRows)) * lk : 0;
      for (let n = 0; n < heads; n++) {
        const qo = qRow + n * d;
        let max = -Infinity;
        for (let j = 0; j < lk; j++) {
          const ko = kBase + j * h + n * d;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let x = 0;
          for (; x + 3 < d; x += 4) {
            s0 += q[qo + x]! * k[ko + x]!;
            s1 += q[qo + x + 1]! * k[ko + x + 1]!;
            s2 += q[qo + x + 2]! * k[ko + x + 2]!;
            s3 += q[qo + x + 3]! * k[ko + x + 3]!;
          }
          for (; x < d; x++) s0 += q[qo + x]! * k[ko + x]!;
          let s = s0 + s1 + (s2 + s3);
          if (bias) s += bias[biasRow + j]!;
          p[j] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = 0; j < lk; j++) {
          const e = Math.exp(p[j]! - max);
          p[j] = e;
          sum += e;
        }
        const inv = 1 / sum;
        const vBase = kBase + n * d;
        for (let x = 0; x < d; x++) {
          // Σ_j p_j v[j, x], two keys per step.
          let a0 = 0;
          let a1 = 0;
          let j = 0;
          let vo = vBase + x;
          for (; j + 1 < lk; j += 2, vo += 2 * h) {
            a0 += p[j]! * v[vo]!;
            a1 += p[j + 1]! * v[vo + h]!;
          }
          if (j < lk) a0 += p[j]! * v[vo]!;
          out[qo + x] = (a0 + a1) * inv;
        }
      }
    }
  }
}
