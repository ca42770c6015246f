// Dense layer: result = act(x · w + bias), x [M, K], w [K, N], bias [N] → [M, N];
// ACT 0 linear, 1 ReLU, 2 exact GELU (geluErf from gelu_common.wgsl, prepended).
//
// One invocation per 4 × 4 block of the output, as an outer product per step of k: four
// values of x (one per row) times four consecutive values of w's row k, into four vec4
// accumulators. Storage buffers are read directly, with no workgroup memory and no barriers:
// on CPU-backed adapters (SwiftShader) that beats tfjs's tiled matMul, whose barriers are
// expensive there. Neighbouring invocations take neighbouring column blocks, so they share the
// rows of x and read w contiguously.
//
// From the tfjs preamble (flat float32 arrays): inputs `x`, `w`, `bias`; `result` [M, N];
// `uniforms` m, n, k. Prepended by the program: const ACT.

fn main(index: i32) {
  let m = uniforms.m;
  let n = uniforms.n;
  let k = uniforms.k;
  let colBlocks = (n + 3u) / 4u;
  let g = u32(index);
  if (g >= ((m + 3u) / 4u) * colBlocks) {
    return;
  }
  let j0 = (g % colBlocks) * 4u;
  let i0 = (g / colBlocks) * 4u;
  // Rows and columns past the end are clamped for reading and skipped when storing.
  let x0 = min(i0, m - 1u) * k;
  let x1 = min(i0 + 1u, m - 1u) * k;
  let x2 = min(i0 + 2u, m - 1u) * k;
  let x3 = min(i0 + 3u, m - 1u) * k;
  let c0 = min(j0, n - 1u);
  let c1 = min(j0 + 1u, n - 1u);
  let c2 = min(j0 + 2u, n - 1u);
  let c3 = min(j0 + 3u, n - 1u);
  var acc0 = vec4<f32>(0.0);  // row i0, columns j0 .. j0 + 3
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var t = 0u; t < k; t++) {
    let wr = t * n;
    let wv = vec4<f32>(w[wr + c0], w[wr + c1], w[wr + c2], w[wr + c3]);
    acc0 += x[x0 + t] * wv;
    acc1 += x[x1 + t] * wv;
    acc2 += x[x2 + t] * wv;
    acc3 += x[x3 + t] * wv;
  }
  let b = vec4<f32>(bias[c0], bias[c1], bias[c2], bias[c3]);
  storeRow(i0, j0, acc0 + b);
  storeRow(i0 + 1u, j0, acc1 + b);
  storeRow(i0 + 2u, j0, acc2 + b);
  storeRow(i0 + 3u, j0, acc3 + b);
}

fn activate(v: f32) -> f32 {
  if (ACT == 1u) {
    return max(v, 0.0);
  }
  if (ACT == 2u) {
    return geluErf(v);
  }
  return v;
}

// Writes the columns j0 .. j0 + 3 of row i that lie inside the output.
fn storeRow(i: u32, j0: u32, v: vec4<f32>) {
  let m = uniforms.m;
  let n = uniforms.n;
  if (i >= m) {
    return;
  }
  let row = i * n;
  for (var c = 0u; c < 4u; c++) {
    if (j0 + c < n) {
      result[row + j0 + c] = activate(v[c]);
    }
  }
}
