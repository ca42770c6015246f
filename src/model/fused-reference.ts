// Float64 references of the fused operations (fused-ops.ts), written for clarity, not speed.
// Inputs are the float32 arrays the kernels see, row-major; results are float64.
import type { AttentionDims } from '../cpu/fused-rows';

type Arr = ArrayLike<number>;

/** erf(x) to ~1e-14: Maclaurin series for |x| < 3, else 1 − erfc(|x|) from its continued fraction. */
export function erfRef(x: number): number {
  const z = Math.abs(x);
  if (z < 3) {
    // erf(z) = 2/√π Σ (−1)^n z^(2n+1) / (n! (2n+1))
    let term = z;
    let sum = z;
    for (let n = 1; n < 80; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - erfcLargeRef(z));
}

/** erfc(z) for z ≥ 3, by Lentz's evaluation of erfc(z) = e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))). */
export function erfcLargeRef(z: number): number {
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let k = 1; k < 200; k++) {
    const a = k / 2;
    d = z + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = z + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}

/** Φ(x), the standard normal CDF, without cancellation in either tail. */
export function normalCdfRef(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const tail = z < 3 ? 1 - erfRef(z) : erfcLargeRef(z); // erfc(z)
  return x < 0 ? tail / 2 : 1 - tail / 2;
}

export function geluRef(x: number): number {
  return x * normalCdfRef(x);
}

/** gelu(x[r, c] + bias[c]), x [M, I], bias [I]; the sum is rounded to float32 as the graph's add does. */
export function biasGeluRef(x: Arr, bias: Arr): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = geluRef(Math.fround(x[i]! + bias[i % bias.length]!));
  return out;
}

/** LayerNorm(x[r] + residual[r mod R]) · gamma + beta; x [M, H], residual [R, H] or null. */
export function residualLayerNormRef(x: Arr, residual: Arr | null, gamma: Arr, beta: Arr, eps: number): Float64Array {
  const h = gamma.length;
  const rows = x.length / h;
  const resRows = residual ? residual.length / h : 1;
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const s = Array.from({ length: h }, (_, c) => (residual ? Math.fround(x[r * h + c]! + residual[(r % resRows) * h + c]!) : x[r * h + c]!));
    const mean = s.reduce((a, v) => a + v, 0) / h;
    const variance = s.reduce((a, v) => a + (v - mean) ** 2, 0) / h;
    for (let c = 0; c < h; c++) out[r * h + c] = ((s[c]! - mean) / Math.sqrt(variance + eps)) * gamma[c]! + beta[c]!;
  }
  return out;
}

/** Softmax attention per head on [B, L, N·D] layouts; bias [biasBatch, biasRows, Lk] or null. */
export function attentionRef(q: Arr, k: Arr, v: Arr, bias: Arr | null, dims: AttentionDims): Float64Array {
  const { batch, lq, lk, heads, headDim: d, biasBatch, biasRows } = dims;
  const h = heads * d;
  const out = new Float64Array(batch * lq * h);
  for (let b = 0; b < batch; b++) {
    for (let n = 0; n < heads; n++) {
      for (let i = 0; i < lq; i++) {
        const scores = Array.from({ length: lk }, (_, j) => {
          let s = 0;
          for (let x = 0; x < d; x++) s += q[(b * lq + i) * h + n * d + x]! * k[(b * lk + j) * h + n * d + x]!;
          return s + (bias ? bias[((b % biasBatch) * biasRows + (i % biasRows)) * lk + j]! : 0);
        });
        const max = Math.max(...scores);
        const w = scores.map((s) => Math.exp(s - max));
        const total = w.reduce((a, x) => a + x, 0);
        for (let x = 0; x < d; x++) {
          let acc = 0;
          for (let j = 0; j < lk; j++) acc += w[j]! * v[(b * lk + j) * h + n * d + x]!;
          out[(b * lq + i) * h + n * d + x] = acc / total;
        }
      }
    }
  }
  return out;
}

/** act(x·w + bias): x [M, K], w [K, N], bias [N]; gelu from the float64 reference erf. */
export function denseRef(x: Arr, w: Arr, bias: Arr, m: number, k: number, activation: 'linear' | 'relu' | 'gelu'): Float64Array {
  const n = bias.length;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let u = bias[j]!;
      for (let t = 0; t < k; t++) u += x[i * k + t]! * w[t * n + j]!;
      out[i * n + j] = activation === 'relu' ? Math.max(u, 0) : activation === 'gelu' ? geluRef(u) : u;
    }
  }
  return out;
}
