// Float64 CPU references for every kernel, written for clarity, not speed. Inputs are the
// float32 arrays the kernels see (row-major, shapes in the comments); results are float64.
import { ropeRotate } from './rope';
import type { AttentionMode } from './linear-attention-programs';
import type { DistanceMetric } from './pair-programs';

export const REFERENCE_MASKED = -1e12;

type Arr = ArrayLike<number>;

export interface AttentionShape {
  batch: number;
  heads: number;
  n: number;
  d: number;
}

export function phi(x: number): number {
  return x > 0 ? x + 1 : Math.exp(x);
}

/**
 * Which keys each query sees, as an explicit [B, N, N] matrix (row i = query, column j = key):
 * bidirectional: kept keys; causal: kept keys j ≤ i; unilm: kept source keys, plus kept target
 * keys j ≤ i for target queries. keyMask > 0.5 keeps, typeIds > 0.5 marks a target token.
 */
export function visibilityMatrix(mode: AttentionMode, batch: number, n: number, keyMask?: Arr, typeIds?: Arr): Uint8Array {
  const out = new Uint8Array(batch * n * n);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n; i++) {
      const targetI = typeIds ? typeIds[b * n + i] > 0.5 : false;
      for (let j = 0; j < n; j++) {
        const keep = keyMask ? keyMask[b * n + j] > 0.5 : true;
        const targetJ = typeIds ? typeIds[b * n + j] > 0.5 : false;
        let sees: boolean;
        if (mode === 'bidirectional') sees = keep;
        else if (mode === 'causal') sees = keep && j <= i;
        else sees = keep && (!targetJ || (targetI && j <= i));
        out[(b * n + i) * n + j] = sees ? 1 : 0;
      }
    }
  }
  return out;
}

/** The slow way, O(N²·D): out_i = Σ_j M_ij (φq_i·φk_j) v_j / (Σ_j M_ij φq_i·φk_j + eps). q, k, v [B, H, N, D]. */
export function linearAttentionMaskedRef(q: Arr, k: Arr, v: Arr, s: AttentionShape, visible: Uint8Array, eps: number): Float64Array {
  const { batch, heads, n, d } = s;
  const out = new Float64Array(batch * heads * n * d);
  const fq = Float64Array.from(q, phi);
  const fk = Float64Array.from(k, phi);
  const num = new Float64Array(d);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const base = (b * heads + h) * n * d;
      for (let i = 0; i < n; i++) {
        num.fill(0);
        let den = 0;
        for (let j = 0; j < n; j++) {
          if (!visible[(b * n + i) * n + j]) continue;
          let w = 0;
          for (let r = 0; r < d; r++) w += fq[base + i * d + r] * fk[base + j * d + r];
          den += w;
          for (let c = 0; c < d; c++) num[c] += w * v[base + j * d + c];
        }
        for (let c = 0; c < d; c++) out[base + i * d + c] = num[c] / (den + eps);
      }
    }
  }
  return out;
}

/** The fast way, O(N·D²): one global sum and one running causal sum per head. */
export function linearAttentionRef(
  q: Arr, k: Arr, v: Arr, s: AttentionShape,
  opts: { mode: AttentionMode; keyMask?: Arr; typeIds?: Arr; eps: number },
): Float64Array {
  const { batch, heads, n, d } = s;
  const e = d + 1;
  const out = new Float64Array(batch * heads * n * d);
  const G = new Float64Array(d * e);
  const T = new Float64Array(d * e);
  const fk = new Float64Array(d);
  const fq = new Float64Array(d);
  const weights = (b: number, t: number): [number, number, number] => {
    const keep = opts.keyMask ? (opts.keyMask[b * n + t] > 0.5 ? 1 : 0) : 1;
    const target = opts.typeIds && opts.typeIds[b * n + t] > 0.5 ? 1 : 0;
    if (opts.mode === 'bidirectional') return [keep, 0, 0];
    if (opts.mode === 'causal') return [0, keep, 1];
    return [keep * (1 - target), keep * target, target];
  };
  const addKey = (acc: Float64Array, base: number, j: number, w: number) => {
    for (let r = 0; r < d; r++) fk[r] = w * phi(k[base + j * d + r]);
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < d; c++) acc[r * e + c] += fk[r] * v[base + j * d + c];
      acc[r * e + d] += fk[r];
    }
  };
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const base = (b * heads + h) * n * d;
      G.fill(0);
      T.fill(0);
      for (let j = 0; j < n; j++) {
        const w = weights(b, j)[0];
        if (w) addKey(G, base, j, w);
      }
      for (let i = 0; i < n; i++) {
        const [, wc, gate] = weights(b, i);
        if (wc) addKey(T, base, i, wc);
        for (let r = 0; r < d; r++) fq[r] = phi(q[base + i * d + r]);
        let den = 0;
        for (let c = 0; c <= d; c++) {
          let acc = 0;
          for (let r = 0; r < d; r++) acc += fq[r] * (G[r * e + c] + gate * T[r * e + c]);
          if (c < d) out[base + i * d + c] = acc;
          else den = acc;
        }
        for (let c = 0; c < d; c++) out[base + i * d + c] /= den + opts.eps;
      }
    }
  }
  return out;
}

/** One decoding step: S [B,H,D,Dv], z [B,H,D], q, k [B,H,D], v [B,H,Dv]. */
export function linearAttentionStepRef(
  S: Arr, z: Arr, q: Arr, k: Arr, v: Arr, s: { batch: number; heads: number; d: number; dv: number }, eps: number,
): { out: Float64Array; S: Float64Array; z: Float64Array } {
  const { batch, heads, d, dv } = s;
  const nextS = Float64Array.from(S);
  const nextZ = Float64Array.from(z);
  const out = new Float64Array(batch * heads * dv);
  for (let bh = 0; bh < batch * heads; bh++) {
    for (let r = 0; r < d; r++) {
      const fk = phi(k[bh * d + r]);
      nextZ[bh * d + r] += fk;
      for (let c = 0; c < dv; c++) nextS[(bh * d + r) * dv + c] += fk * v[bh * dv + c];
    }
    let den = 0;
    for (let r = 0; r < d; r++) den += phi(q[bh * d + r]) * nextZ[bh * d + r];
    for (let c = 0; c < dv; c++) {
      let num = 0;
      for (let r = 0; r < d; r++) num += phi(q[bh * d + r]) * nextS[(bh * d + r) * dv + c];
      out[bh * dv + c] = num / (den + eps);
    }
  }
  return { out, S: nextS, z: nextZ };
}

/**
 * GlobalPointer: q, k [B, HQ, N, D] (HQ = 1 shares one head), mask [B, N], biases [B, H, N].
 * Returns [B, H, N, N].
 */
export function globalPointerRef(
  q: Arr, k: Arr, mask: Arr,
  s: { batch: number; qHeads: number; heads: number; n: number; d: number },
  biasStart?: Arr, biasEnd?: Arr,
): Float64Array {
  const { batch, qHeads, heads, n, d } = s;
  const rq = new Float64Array(batch * qHeads * n * d);
  const rk = new Float64Array(batch * qHeads * n * d);
  const tmp = new Float64Array(d);
  for (let row = 0; row < batch * qHeads * n; row++) {
    const pos = row % n;
    ropeRotate(q, row * d, d, pos, tmp);
    rq.set(tmp, row * d);
    ropeRotate(k, row * d, d, pos, tmp);
    rk.set(tmp, row * d);
  }
  const scale = 1 / Math.sqrt(d);
  const out = new Float64Array(batch * heads * n * n);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const qh = qHeads === 1 ? 0 : h;
      const src = (b * qHeads + qh) * n * d;
      const bh = b * heads + h;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const valid = j >= i && mask[b * n + i] > 0.5 && mask[b * n + j] > 0.5;
          let value = REFERENCE_MASKED;
          if (valid) {
            let dot = 0;
            for (let r = 0; r < d; r++) dot += rq[src + i * d + r] * rk[src + j * d + r];
            value = dot * scale + (biasStart ? biasStart[bh * n + i] : 0) + (biasEnd ? biasEnd[bh * n + j] : 0);
          }
          out[(bh * n + i) * n + j] = value;
        }
      }
    }
  }
  return out;
}

/** a [B, N, H], b [B, M, H] → [B, N, M]. */
export function pairDistanceRef(
  a: Arr, b: Arr, s: { batch: number; n: number; m: number; h: number }, metric: DistanceMetric,
): Float64Array {
  const { batch, n, m, h } = s;
  const out = new Float64Array(batch * n * m);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let acc = 0;
        let na = 0;
        let nb = 0;
        for (let x = 0; x < h; x++) {
          const av = a[(bi * n + i) * h + x];
          const bv = b[(bi * m + j) * h + x];
          if (metric === 'euclidean') acc += (av - bv) * (av - bv);
          else {
            acc += av * bv;
            na += av * av;
            nb += bv * bv;
          }
        }
        out[(bi * n + i) * m + j] = metric === 'euclidean'
          ? Math.sqrt(acc)
          : 1 - acc / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-12);
      }
    }
  }
  return out;
}
