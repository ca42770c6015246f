// Linear attention, pass 3 of 3: outputs of one chunk of CHUNK queries.
//
// For query i in chunk c, with the blocks of pass 2 (G global, P[c] causal prefix) and the
// weights of tokenWeights (y_j causal key weight, g_i query gate):
//   [num_i | den_i] = φ(q_i)ᵀ G + g_i (φ(q_i)ᵀ P[c] + Σ_{j in c, j ≤ i} y_j (φ(q_i)·φ(k_j)) [v_j | 1])
//   out_i = num_i / (den_i + eps)
// The within-chunk sum is a masked CHUNK × CHUNK score tile (stage 1) times the chunk's values
// (stage 2b), so no invocation ever walks the whole sequence.
//
// One workgroup of 256 invocations per (batch·head, chunk). Invocation (rg, cg) owns query
// rows rg + 16a and output columns cg + 16c.
//
// From the tfjs preamble (flat float32 arrays): inputs `q`, `k`, `v` [B, H, N, D], `keyMask`,
// `typeIds` [B, N], `prefix` [BH, P, D·(D + 1)]; `result` [B, H, N, D]; `uniforms` batch,
// heads, n, d, prefixRows, mode, eps; `localIndex`. Prepended by the program: const DP (largest D of this variant, a
// multiple of 16), CHUNK, KV_TILE (size of the shared k / v / G tile).

const KT: u32 = 16u;          // contraction slice staged per step
const QPT: u32 = CHUNK / 16u; // query rows (and score columns) per invocation
const CPT: u32 = DP / 16u;    // output columns per invocation

var<workgroup> qTile: array<f32, CHUNK * KT>;       // φ(q) slice, [CHUNK, KT]
var<workgroup> kvTile: array<f32, KV_TILE>;         // stage 1: φ(k) [CHUNK, KT]; stage 2: G or v [KT, DP]
var<workgroup> cpTile: array<f32, KT * DP>;         // stage 2a: P[c] slice, [KT, DP]
var<workgroup> zTile: array<f32, 2u * KT>;          // z columns of the G and P[c] slices
var<workgroup> scores: array<f32, CHUNK * CHUNK>;   // y_j φ(q_i)·φ(k_j) for j ≤ i, [CHUNK, CHUNK]

fn main(index: i32) {
  let heads = uniforms.heads;
  let n = uniforms.n;
  let d = uniforms.d;
  let width = d + 1u;  // a [D, D + 1] block row: S columns, then z
  let bhCount = uniforms.batch * heads;
  let hasGlobal = hasGlobalSum();
  let hasCausal = hasCausalSum();
  let globalRows = select(0u, 1u, hasGlobal);
  let chunks = (n + CHUNK - 1u) / CHUNK;
  let prefixRows = uniforms.prefixRows;
  let wg = flatWorkgroupIndex();
  let chunk = wg % chunks;
  let bh = wg / chunks;
  let live = bh < bhCount;
  let b = bh / heads;
  let i0 = chunk * CHUNK;
  let t = localIndex;
  let rg = t / 16u;
  let cg = t % 16u;

  // Stage 1: masked score tile of the chunk.
  if (hasCausal) {
    var sAcc: array<f32, QPT * QPT>;
    for (var d0 = 0u; d0 < d; d0 += KT) {
      workgroupBarrier();
      for (var x = t; x < CHUNK * KT; x += 256u) {
        let tok = i0 + x / KT;
        let dim = d0 + x % KT;
        var qv = 0.0;
        var kv = 0.0;
        if (live && tok < n && dim < d) {
          let at = (bh * n + tok) * d + dim;
          qv = phi(q[at]);
          kv = phi(k[at]);
        }
        qTile[x] = qv;
        kvTile[x] = kv;
      }
      workgroupBarrier();
      for (var dd = 0u; dd < KT; dd++) {
        for (var a = 0u; a < QPT; a++) {
          let qa = qTile[(rg + 16u * a) * KT + dd];
          for (var c = 0u; c < QPT; c++) {
            sAcc[a * QPT + c] += qa * kvTile[(cg + 16u * c) * KT + dd];
          }
        }
      }
    }
    for (var a = 0u; a < QPT; a++) {
      let i = rg + 16u * a;
      for (var c = 0u; c < QPT; c++) {
        let j = cg + 16u * c;
        var w = 0.0;
        if (live && j <= i && i0 + j < n) {
          w = tokenWeights(b * n + i0 + j).y;
        }
        scores[i * CHUNK + j] = w * sAcc[a * QPT + c];
      }
    }
  }

  // Stage 2a: φ(q_i)ᵀ G and φ(q_i)ᵀ P[c].
  var acc: array<f32, QPT * CPT>;
  var den: array<f32, QPT>;
  var accC: array<f32, QPT * CPT>;
  var denC: array<f32, QPT>;
  let globalBase = bh * prefixRows * d * width;
  let causalBase = (bh * prefixRows + globalRows + chunk) * d * width;
  for (var r0 = 0u; r0 < d; r0 += KT) {
    workgroupBarrier();
    for (var x = t; x < CHUNK * KT; x += 256u) {
      let tok = i0 + x / KT;
      let r = r0 + x % KT;
      var qv = 0.0;
      if (live && tok < n && r < d) {
        qv = phi(q[(bh * n + tok) * d + r]);
      }
      qTile[x] = qv;
    }
    for (var x = t; x < KT * DP; x += 256u) {
      let r = r0 + x / DP;
      let col = x % DP;
      var g = 0.0;
      var p = 0.0;
      if (live && r < d && col < d) {
        if (hasGlobal) {
          g = prefix[globalBase + r * width + col];
        }
        if (hasCausal) {
          p = prefix[causalBase + r * width + col];
        }
      }
      kvTile[x] = g;
      cpTile[x] = p;
    }
    if (t < KT) {
      let r = r0 + t;
      var g = 0.0;
      var p = 0.0;
      if (live && r < d) {
        if (hasGlobal) {
          g = prefix[globalBase + r * width + d];
        }
        if (hasCausal) {
          p = prefix[causalBase + r * width + d];
        }
      }
      zTile[t] = g;
      zTile[KT + t] = p;
    }
    workgroupBarrier();
    for (var rr = 0u; rr < KT; rr++) {
      for (var a = 0u; a < QPT; a++) {
        let qa = qTile[(rg + 16u * a) * KT + rr];
        if (hasGlobal) {
          den[a] += qa * zTile[rr];
          for (var c = 0u; c < CPT; c++) {
            acc[a * CPT + c] += qa * kvTile[rr * DP + cg + 16u * c];
          }
        }
        if (hasCausal) {
          denC[a] += qa * zTile[KT + rr];
          for (var c = 0u; c < CPT; c++) {
            accC[a * CPT + c] += qa * cpTile[rr * DP + cg + 16u * c];
          }
        }
      }
    }
  }

  // Stage 2b: within-chunk part, scores × [v | 1].
  if (hasCausal) {
    for (var j0 = 0u; j0 < CHUNK; j0 += KT) {
      workgroupBarrier();
      for (var x = t; x < KT * DP; x += 256u) {
        let tok = i0 + j0 + x / DP;
        let col = x % DP;
        var vv = 0.0;
        if (live && tok < n && col < d) {
          vv = v[(bh * n + tok) * d + col];
        }
        kvTile[x] = vv;
      }
      workgroupBarrier();
      for (var jj = 0u; jj < KT; jj++) {
        for (var a = 0u; a < QPT; a++) {
          let s = scores[(rg + 16u * a) * CHUNK + j0 + jj];
          denC[a] += s;
          for (var c = 0u; c < CPT; c++) {
            accC[a * CPT + c] += s * kvTile[jj * DP + cg + 16u * c];
          }
        }
      }
    }
  }

  if (!live) {
    return;
  }
  for (var a = 0u; a < QPT; a++) {
    let tok = i0 + rg + 16u * a;
    if (tok >= n) {
      continue;
    }
    var gate = 0.0;
    if (hasCausal) {
      gate = tokenWeights(b * n + tok).z;
    }
    let total = den[a] + gate * denC[a] + uniforms.eps;
    for (var c = 0u; c < CPT; c++) {
      let col = cg + 16u * c;
      if (col < d) {
        result[(bh * n + tok) * d + col] = (acc[a * CPT + c] + gate * accC[a * CPT + c]) / total;
      }
    }
  }
}
