// GlobalPointer, pass 2 of 2: span scores
//   s[b, h, i, j] = q'_i · k'_j + biasStart[b, h, i] + biasEnd[b, h, j]
// with q', k' the rotated (and, for q, scaled) vectors of pass 1, and MASKED (−1e12) where
// i > j or token i or j is padding (mask <= 0.5). q and k may have one head shared by every
// output head (Efficient GlobalPointer).
//
// One invocation per 4 × 4 block of scores, reading q' and k' straight from storage buffers
// (no workgroup memory, no barriers; see pair_distance.wgsl). Blocks strictly below the
// diagonal only write MASKED.
//
// From the tfjs preamble (flat float32 arrays): inputs `rotated` [2, B, HQ, N, D], `mask`
// [B, N], `biasStart`, `biasEnd` [B, H, N]; `result` [B, H, N, N]; `uniforms` batch, heads,
// qHeads, n, d.

const MASKED: f32 = -1e12;

fn main(index: i32) {
  let n = uniforms.n;
  let d = uniforms.d;
  let heads = uniforms.heads;
  let blocks = (n + 3u) / 4u;
  let g = u32(index);
  if (g >= uniforms.batch * heads * blocks * blocks) {
    return;
  }
  let j0 = (g % blocks) * 4u;
  let i0 = ((g / blocks) % blocks) * 4u;
  let bh = g / (blocks * blocks);
  let b = bh / heads;
  let qbh = b * uniforms.qHeads + select(bh % heads, 0u, uniforms.qHeads == 1u);

  var acc0 = vec4<f32>(0.0);  // row i0, columns j0 .. j0 + 3
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  if (i0 <= j0 + 3u) {
    let qBase = qbh * n * d;
    let kBase = uniforms.batch * uniforms.qHeads * n * d + qBase;
    let q0 = qBase + min(i0, n - 1u) * d;
    let q1 = qBase + min(i0 + 1u, n - 1u) * d;
    let q2 = qBase + min(i0 + 2u, n - 1u) * d;
    let q3 = qBase + min(i0 + 3u, n - 1u) * d;
    let k0 = kBase + min(j0, n - 1u) * d;
    let k1 = kBase + min(j0 + 1u, n - 1u) * d;
    let k2 = kBase + min(j0 + 2u, n - 1u) * d;
    let k3 = kBase + min(j0 + 3u, n - 1u) * d;
    for (var r = 0u; r < d; r++) {
      let kv = vec4<f32>(rotated[k0 + r], rotated[k1 + r], rotated[k2 + r], rotated[k3 + r]);
      acc0 += rotated[q0 + r] * kv;
      acc1 += rotated[q1 + r] * kv;
      acc2 += rotated[q2 + r] * kv;
      acc3 += rotated[q3 + r] * kv;
    }
  }
  storeRow(bh, b, i0, j0, acc0);
  storeRow(bh, b, i0 + 1u, j0, acc1);
  storeRow(bh, b, i0 + 2u, j0, acc2);
  storeRow(bh, b, i0 + 3u, j0, acc3);
}

// Writes columns j0 .. j0 + 3 of row i (those inside the output), masked and with biases.
fn storeRow(bh: u32, b: u32, i: u32, j0: u32, acc: vec4<f32>) {
  let n = uniforms.n;
  if (i >= n) {
    return;
  }
  let keepI = f32(mask[b * n + i]) > 0.5;
  let startBias = biasStart[bh * n + i];
  let row = (bh * n + i) * n;
  for (var c = 0u; c < 4u; c++) {
    let j = j0 + c;
    if (j < n) {
      let valid = keepI && j >= i && f32(mask[b * n + j]) > 0.5;
      var value = MASKED;
      if (valid) {
        value = acc[c] + startBias + biasEnd[bh * n + j];
      }
      result[row + j] = value;
    }
  }
}
