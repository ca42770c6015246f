// The fused BERT operations as plain loops over row-major float32 arrays: the kernels of the
// wasm and cpu backends run these directly on the backends' own memory (no tfjs op per step).
// Arithmetic is float64 throughout, rounded to float32 once when stored.
//
// Shapes: M rows, H features; B batch, Lq queries, Lk keys, N heads, D = H / N head size.

/**
 * Coefficients of Q(t) = Σ c_k t^k with erfc(z) = exp(−z²) · t · Q(t), t = 1 / (1 + z/2), z ≥ 0.
 * Fitted (weighted least squares for relative error, float64) to erfc on t ∈ (0, 1]: the
 * relative error of erfc is below 1.2e-8 over all z ≥ 0, so GELU keeps its relative accuracy
 * in the negative tail, where 1 + erf(x) cancels. The WGSL kernel uses the same coefficients.
 */
export const ERFC_COEFFS = [
  0.2820947929917373, 0.2820940042949869, 0.24687698554386683, 0.1754149203044794, 0.09278483705582602,
  -0.056516372303150916, 0.12563768378409249, -0.4451693045992656, 0.4848399585184702, -0.23032283723680844,
  0.04226532929191535,
] as const;

/** erfc(z) for z ≥ 0 (relative error < 1.2e-8 in float64). */
export function erfcNonNegative(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  let q = ERFC_COEFFS[10];
  for (let k = 9; k >= 0; k--) q = q * t + ERFC_COEFFS[k]!;
  return Math.exp(-z * z) * t * q;
}

/** Exact GELU, x · Φ(x) = 0.5 · x · (1 + erf(x/√2)), through erfc so that neither tail cancels. */
export function geluErf(x: number): number {
  const halfTail = 0.5 * erfcNonNegative(Math.abs(x) * Math.SQRT1_2); // Φ(−|x|)
  return x * (x < 0 ? halfTail : 1 - halfTail);
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
  const acc = new Float64Array(d);
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
          let s = 0;
          for (let x = 0; x < d; x++) s += q[qo + x]! * k[ko + x]!;
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
        acc.fill(0);
        for (let j = 0; j < lk; j++) {
          const w = p[j]!;
          if (w === 0) continue;
          const vo = kBase + j * h + n * d;
          for (let x = 0; x < d; x++) acc[x] += w * v[vo + x]!;
        }
        const inv = 1 / sum;
        for (let x = 0; x < d; x++) out[qo + x] = acc[x]! * inv;
      }
    }
  }
}
