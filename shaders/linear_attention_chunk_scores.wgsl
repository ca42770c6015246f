// Linear attention, pass 3 (causal and unilm only): the masked score tile of every chunk,
//   A[i][j] = y_j φ(q_i)·φ(k_j)   for query i and key j of the same chunk with j ≤ i, else 0,
// y_j being the key's causal weight (see tokenWeights).
//
// One invocation per 4 × 4 block of a CHUNK × CHUNK tile, reading storage buffers directly.
//
// From the tfjs preamble (flat float32 arrays): inputs `features` [2, B, H, N, D] (φ(q), φ(k)),
// `keyMask`, `typeIds` [B, N]; `result` [BH·chunks, CHUNK, CHUNK];
// `uniforms` batch, heads, n, d, mode. Prepended by the program: const CHUNK.

const BLOCKS: u32 = CHUNK / 4u;  // 4 × 4 blocks per side of a tile

fn main(index: i32) {
  let heads = uniforms.heads;
  let n = uniforms.n;
  let d = uniforms.d;
  let bhCount = uniforms.batch * heads;
  let chunks = (n + CHUNK - 1u) / CHUNK;
  let g = u32(index);
  if (g >= bhCount * chunks * BLOCKS * BLOCKS) {
    return;
  }
  let jb = g % BLOCKS;
  let ib = (g / BLOCKS) % BLOCKS;
  let unit = g / (BLOCKS * BLOCKS);  // (bh, chunk)
  let chunk = unit % chunks;
  let bh = unit / chunks;
  let b = bh / heads;
  let i0 = chunk * CHUNK + ib * 4u;  // first query token of the block
  let j0 = chunk * CHUNK + jb * 4u;  // first key token of the block

  var acc0 = vec4<f32>(0.0);  // query i0, keys j0 .. j0 + 3
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  if (jb <= ib) {
    let qHead = bh * n * d;
    let kHead = bhCount * n * d + qHead;
    let q0 = qHead + min(i0, n - 1u) * d;
    let q1 = qHead + min(i0 + 1u, n - 1u) * d;
    let q2 = qHead + min(i0 + 2u, n - 1u) * d;
    let q3 = qHead + min(i0 + 3u, n - 1u) * d;
    let k0 = kHead + min(j0, n - 1u) * d;
    let k1 = kHead + min(j0 + 1u, n - 1u) * d;
    let k2 = kHead + min(j0 + 2u, n - 1u) * d;
    let k3 = kHead + min(j0 + 3u, n - 1u) * d;
    for (var r = 0u; r < d; r++) {
      let kv = vec4<f32>(features[k0 + r], features[k1 + r], features[k2 + r], features[k3 + r]);
      acc0 += features[q0 + r] * kv;
      acc1 += features[q1 + r] * kv;
      acc2 += features[q2 + r] * kv;
      acc3 += features[q3 + r] * kv;
    }
  }
  // Key weights y_j; keys past the end weigh nothing.
  var y = vec4<f32>(0.0);
  for (var c = 0u; c < 4u; c++) {
    if (j0 + c < n) {
      y[c] = tokenWeights(b * n + j0 + c).y;
    }
  }
  let tile = unit * CHUNK * CHUNK;
  let keys = j0 + vec4<u32>(0u, 1u, 2u, 3u);
  storeRow(tile, ib * 4u, jb * 4u, acc0 * y * select(vec4<f32>(0.0), vec4<f32>(1.0), keys <= vec4<u32>(i0)));
  storeRow(tile, ib * 4u + 1u, jb * 4u, acc1 * y * select(vec4<f32>(0.0), vec4<f32>(1.0), keys <= vec4<u32>(i0 + 1u)));
  storeRow(tile, ib * 4u + 2u, jb * 4u, acc2 * y * select(vec4<f32>(0.0), vec4<f32>(1.0), keys <= vec4<u32>(i0 + 2u)));
  storeRow(tile, ib * 4u + 3u, jb * 4u, acc3 * y * select(vec4<f32>(0.0), vec4<f32>(1.0), keys <= vec4<u32>(i0 + 3u)));
}

fn storeRow(tile: u32, i: u32, j: u32, value: vec4<f32>) {
  let at = tile + i * CHUNK + j;
  result[at] = value.x;
  result[at + 1u] = value.y;
  result[at + 2u] = value.z;
  result[at + 3u] = value.w;
}
