// Softmax attention of every head on the projections' own layout, one query row per invocation:
//   result[b, i, n·D : (n+1)·D] = Σ_j softmax_j(q[b, i, n]·k[b, j, n] + bias[b, i, j]) · v[b, j, n]
// q [B, Lq, N·D] (already scaled by 1/√D), k and v [B, Lk, N·D], bias [Bb, Lb, Lk] with Bb ∈ {1, B}
// and Lb ∈ {1, Lq} (broadcast). No head transposes, no score matrix in memory.
//
// Online softmax in one pass over the keys: a running maximum m, a running sum l and the
// weighted sum acc, rescaled by exp(m_old − m_new) whenever the maximum grows. Every invocation
// reads storage buffers directly: no workgroup memory, no barriers (SwiftShader runs those
// ~10× slower). A row whose keys are all masked (bias −FLT_MAX) averages them uniformly, as
// tfjs's softmax does.
//
// From the tfjs preamble (flat float32 arrays): inputs `q`, `k`, `v`, and `bias` when the
// program has one; `result` like q; `uniforms` batch, lq, lk, heads, biasBatch, biasRows.
// Prepended by the program: const D (head size) and `fn biasAt(b: u32, i: u32, j: u32) -> f32`.

fn main(index: i32) {
  let lq = uniforms.lq;
  let lk = uniforms.lk;
  let heads = uniforms.heads;
  let g = u32(index);
  if (g >= uniforms.batch * heads * lq) {
    return;
  }
  let i = g % lq;
  let n = (g / lq) % heads;
  let b = g / (lq * heads);
  let h = heads * D;
  let qo = (b * lq + i) * h + n * D;
  var qv: array<f32, D>;
  var acc: array<f32, D>;
  for (var x = 0u; x < D; x++) {
    qv[x] = q[qo + x];
    acc[x] = 0.0;
  }
  var m = -3.4028234663852886e38;
  var l = 0.0;
  for (var j = 0u; j < lk; j++) {
    let ko = (b * lk + j) * h + n * D;
    var s = 0.0;
    for (var x = 0u; x < D; x++) {
      s += qv[x] * k[ko + x];
    }
    s += biasAt(b, i, j);
    if (s > m) {
      let shrink = exp(m - s);
      l *= shrink;
      for (var x = 0u; x < D; x++) {
        acc[x] *= shrink;
      }
      m = s;
    }
    let p = exp(s - m);
    l += p;
    for (var x = 0u; x < D; x++) {
      acc[x] += p * v[ko + x];
    }
  }
  let inv = 1.0 / l;
  for (var x = 0u; x < D; x++) {
    result[qo + x] = acc[x] * inv;
  }
}
