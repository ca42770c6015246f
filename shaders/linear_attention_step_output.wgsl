// Linear attention, one decoding step: out = φ(q)ᵀ S' / (φ(q)ᵀ z' + eps), O(D·Dv) per head.
//
// One invocation per output element (batch·head, column). From the tfjs preamble (flat
// float32 arrays): inputs `q` [B, H, D], `state` [B, H, D, Dv] (already updated), `norm`
// [B, H, D] (already updated); `result` [B, H, Dv]; `uniforms` size, d, dv, eps.

fn phi(x: f32) -> f32 {
  return select(exp(x), x + 1.0, x > 0.0);
}

fn main(index: i32) {
  if (index >= uniforms.size) {
    return;
  }
  let gi = u32(index);
  let d = uniforms.d;
  let dv = uniforms.dv;
  let col = gi % dv;
  let bh = gi / dv;
  var num = 0.0;
  var den = 0.0;
  for (var r = 0u; r < d; r++) {
    let fq = phi(q[bh * d + r]);
    num += fq * state[(bh * d + r) * dv + col];
    den += fq * norm[bh * d + r];
  }
  result[gi] = num / (den + uniforms.eps);
}
