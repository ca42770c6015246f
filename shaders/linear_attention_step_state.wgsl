// Linear attention, one decoding step: S' = S + φ(k) vᵀ for a single new token.
//
// One invocation per element of S' [B, H, D, Dv]. From the tfjs preamble (flat float32
// arrays): inputs `state` [B, H, D, Dv], `k` [B, H, D], `v` [B, H, Dv]; `result` like
// `state`; `uniforms` size, d, dv.

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
  let r = (gi / dv) % d;
  let bh = gi / (d * dv);
  result[gi] = state[gi] + phi(k[bh * d + r]) * v[bh * dv + col];
}
