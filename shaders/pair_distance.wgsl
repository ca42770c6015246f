// Pairwise distances between two sets of vectors: a [B, N, H], b [B, M, H] → [B, N, M].
//   METRIC 0, euclidean: sqrt(Σ_h (a_h − b_h)²)   (differences, not ‖a‖² + ‖b‖² − 2a·b,
//                                                 which cancels badly for close points)
//   METRIC 1, cosine distance: 1 − a·b / max(‖a‖ ‖b‖, 1e-12)
//
// One invocation per 4 × 4 block of the output, reading a and b straight from storage
// buffers: no workgroup memory, no barriers. On CPU-backed adapters (SwiftShader) this runs
// about ten times faster than workgroup-memory tiling, and the four vec4 accumulators (one
// per row, four columns each) stay in registers.
//
// From the tfjs preamble (flat float32 arrays): inputs `a`, `b`; `result` [B, N, M];
// `uniforms` batch, n, m, h. Prepended by the program: const METRIC.

fn main(index: i32) {
  let n = uniforms.n;
  let m = uniforms.m;
  let h = uniforms.h;
  let rowBlocks = (n + 3u) / 4u;
  let colBlocks = (m + 3u) / 4u;
  let g = u32(index);
  if (g >= uniforms.batch * rowBlocks * colBlocks) {
    return;
  }
  let j0 = (g % colBlocks) * 4u;
  let i0 = ((g / colBlocks) % rowBlocks) * 4u;
  let bi = g / (colBlocks * rowBlocks);
  // Rows and columns past the end are clamped for reading and skipped when storing.
  let a0 = (bi * n + min(i0, n - 1u)) * h;
  let a1 = (bi * n + min(i0 + 1u, n - 1u)) * h;
  let a2 = (bi * n + min(i0 + 2u, n - 1u)) * h;
  let a3 = (bi * n + min(i0 + 3u, n - 1u)) * h;
  let b0 = (bi * m + min(j0, m - 1u)) * h;
  let b1 = (bi * m + min(j0 + 1u, m - 1u)) * h;
  let b2 = (bi * m + min(j0 + 2u, m - 1u)) * h;
  let b3 = (bi * m + min(j0 + 3u, m - 1u)) * h;

  var acc0 = vec4<f32>(0.0);  // row i0, columns j0 .. j0 + 3
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var normA = vec4<f32>(0.0);  // cosine: ‖a‖² of the four rows
  var normB = vec4<f32>(0.0);  // cosine: ‖b‖² of the four columns
  for (var x = 0u; x < h; x++) {
    let bv = vec4<f32>(b[b0 + x], b[b1 + x], b[b2 + x], b[b3 + x]);
    let av = vec4<f32>(a[a0 + x], a[a1 + x], a[a2 + x], a[a3 + x]);
    if (METRIC == 0u) {
      let d0 = av.x - bv;
      let d1 = av.y - bv;
      let d2 = av.z - bv;
      let d3 = av.w - bv;
      acc0 += d0 * d0;
      acc1 += d1 * d1;
      acc2 += d2 * d2;
      acc3 += d3 * d3;
    } else {
      acc0 += av.x * bv;
      acc1 += av.y * bv;
      acc2 += av.z * bv;
      acc3 += av.w * bv;
      normA += av * av;
      normB += bv * bv;
    }
  }
  let nb = sqrt(normB);
  let na = sqrt(normA);
  storeRow(bi, i0, j0, acc0, na.x, nb);
  storeRow(bi, i0 + 1u, j0, acc1, na.y, nb);
  storeRow(bi, i0 + 2u, j0, acc2, na.z, nb);
  storeRow(bi, i0 + 3u, j0, acc3, na.w, nb);
}

// Writes the columns j0 .. j0 + 3 of row i that lie inside the output.
fn storeRow(bi: u32, i: u32, j0: u32, acc: vec4<f32>, na: f32, nb: vec4<f32>) {
  let n = uniforms.n;
  let m = uniforms.m;
  if (i >= n) {
    return;
  }
  var value: vec4<f32>;
  if (METRIC == 0u) {
    value = sqrt(acc);
  } else {
    value = vec4<f32>(1.0) - acc / max(na * nb, vec4<f32>(1e-12));
  }
  let row = (bi * n + i) * m;
  for (var c = 0u; c < 4u; c++) {
    if (j0 + c < m) {
      result[row + j0 + c] = value[c];
    }
  }
}
