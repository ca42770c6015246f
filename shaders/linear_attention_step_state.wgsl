// Linear attention, one decoding step: S' = S + φ(k) vᵀ for a single new token.
//
// One invocation per element of S' [B, H, D, Dv]. From the tfjs preamble: inputs `state`
// [B, H, D, Dv], `k` [B, H, D], `v` [B, H, Dv]; `result` like `state`; `uniforms.size`.

fn phi(x: f32) -> f32 {
  return select(exp(x), x + 1.0, x > 0.0);
}

fn main(index: i32) {
  if (index >= uniforms.size) {
    return;
  }
  let d = uniforms.stateShape.z;
  let dv = uniforms.stateShape.w;
  let col = index % dv;
  let r = (index / dv) % d;
  let bh = index / (d * dv);
  result[index] = state[index] + phi(k[bh * d + r]) * v[bh * dv + col];
}
