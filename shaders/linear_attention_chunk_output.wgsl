// Linear attention, pass 4: outputs. For query i in chunk c, with G and P[c] from pass 2,
// the score tile A from pass 3 and the query gate g_i (see tokenWeights):
//   [num_i | den_i] = φ(q_i)ᵀ G + g_i (φ(q_i)ᵀ P[c] + Σ_{j in c} A[i][j] [v_j | 1])
//   out_i = num_i / (den_i + eps)
// so no invocation ever walks more than one chunk of the sequence.
//
// One invocation per (batch·head, chunk, 4 queries, 4 output columns), reading storage
// buffers directly. Each computes the denominators of its four queries itself, which costs
// less than sharing them through workgroup memory and barriers (see pair_distance.wgsl).
//
// From the tfjs preamble (flat float32 arrays): inputs `features` [2, B, H, N, D] (φ(q), φ(k)),
// `v` [B, H, N, D], `keyMask`, `typeIds` [B, N], `prefix` [BH, P, D·(D + 1)], `scores`
// [BH·chunks, CHUNK, CHUNK] (not read in bidirectional mode); `result` [B, H, N, D];
// `uniforms` batch, heads, n, d, prefixRows, mode, eps. Prepended by the program: const CHUNK.

const QUERY_BLOCKS: u32 = CHUNK / 4u;

fn main(index: i32) {
  let heads = uniforms.heads;
  let n = uniforms.n;
  let d = uniforms.d;
  let width = d + 1u;
  let bhCount = uniforms.batch * heads;
  let hasGlobal = hasGlobalSum();
  let hasCausal = hasCausalSum();
  let chunks = (n + CHUNK - 1u) / CHUNK;
  let colBlocks = (d + 3u) / 4u;
  let g = u32(index);
  if (g >= bhCount * chunks * QUERY_BLOCKS * colBlocks) {
    return;
  }
  let c0 = (g % colBlocks) * 4u;
  let qb = (g / colBlocks) % QUERY_BLOCKS;
  let unit = g / (colBlocks * QUERY_BLOCKS);  // (bh, chunk)
  let chunk = unit % chunks;
  let bh = unit / chunks;
  let b = bh / heads;
  let i0 = chunk * CHUNK + qb * 4u;
  let last = d - 1u;
  let qHead = bh * n * d;
  let q0 = qHead + min(i0, n - 1u) * d;
  let q1 = qHead + min(i0 + 1u, n - 1u) * d;
  let q2 = qHead + min(i0 + 2u, n - 1u) * d;
  let q3 = qHead + min(i0 + 3u, n - 1u) * d;
  let cols = laneMask(c0, d);
  let cc = vec4<u32>(min(c0, last), min(c0 + 1u, last), min(c0 + 2u, last), min(c0 + 3u, last));

  var acc0 = vec4<f32>(0.0);   // global part, query i0, columns c0 .. c0 + 3
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var accC0 = vec4<f32>(0.0);  // causal part (gated per query at the end)
  var accC1 = vec4<f32>(0.0);
  var accC2 = vec4<f32>(0.0);
  var accC3 = vec4<f32>(0.0);
  var den = vec4<f32>(0.0);    // global denominators of the four queries
  var denC = vec4<f32>(0.0);   // causal denominators

  // φ(q_i)ᵀ G and φ(q_i)ᵀ P[c].
  let globalBase = bh * uniforms.prefixRows * d * width;
  let causalBase = (bh * uniforms.prefixRows + select(0u, 1u, hasGlobal) + chunk) * d * width;
  for (var r = 0u; r < d; r++) {
    let fq = vec4<f32>(features[q0 + r], features[q1 + r], features[q2 + r], features[q3 + r]);
    if (hasGlobal) {
      let row = globalBase + r * width;
      let s = cols * vec4<f32>(prefix[row + cc.x], prefix[row + cc.y], prefix[row + cc.z], prefix[row + cc.w]);
      acc0 += fq.x * s;
      acc1 += fq.y * s;
      acc2 += fq.z * s;
      acc3 += fq.w * s;
      den += fq * prefix[row + d];
    }
    if (hasCausal) {
      let row = causalBase + r * width;
      let s = cols * vec4<f32>(prefix[row + cc.x], prefix[row + cc.y], prefix[row + cc.z], prefix[row + cc.w]);
      accC0 += fq.x * s;
      accC1 += fq.y * s;
      accC2 += fq.z * s;
      accC3 += fq.w * s;
      denC += fq * prefix[row + d];
    }
  }

  // Σ_j A[i][j] [v_j | 1] over the chunk's keys up to the block's last query.
  if (hasCausal) {
    let tile = unit * CHUNK * CHUNK + qb * 4u * CHUNK;
    let jEnd = min(qb * 4u + 4u, n - chunk * CHUNK);
    for (var jj = 0u; jj < jEnd; jj++) {
      let s = vec4<f32>(scores[tile + jj], scores[tile + CHUNK + jj], scores[tile + 2u * CHUNK + jj], scores[tile + 3u * CHUNK + jj]);
      let vr = qHead + (chunk * CHUNK + jj) * d;
      let vv = cols * vec4<f32>(v[vr + cc.x], v[vr + cc.y], v[vr + cc.z], v[vr + cc.w]);
      accC0 += s.x * vv;
      accC1 += s.y * vv;
      accC2 += s.z * vv;
      accC3 += s.w * vv;
      denC += s;
    }
  }

  var gate = vec4<f32>(0.0);
  if (hasCausal) {
    for (var a = 0u; a < 4u; a++) {
      gate[a] = tokenWeights(b * n + min(i0 + a, n - 1u)).z;
    }
  }
  let total = den + gate * denC + uniforms.eps;
  storeRow(bh, i0, c0, (acc0 + gate.x * accC0) / total.x);
  storeRow(bh, i0 + 1u, c0, (acc1 + gate.y * accC1) / total.y);
  storeRow(bh, i0 + 2u, c0, (acc2 + gate.z * accC2) / total.z);
  storeRow(bh, i0 + 3u, c0, (acc3 + gate.w * accC3) / total.w);
}

fn storeRow(bh: u32, i: u32, c0: u32, value: vec4<f32>) {
  let n = uniforms.n;
  let d = uniforms.d;
  if (i >= n) {
    return;
  }
  let row = (bh * n + i) * d;
  for (var c = 0u; c < 4u; c++) {
    if (c0 + c < d) {
      result[row + c0 + c] = value[c];
    }
  }
}
