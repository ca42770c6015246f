// Linear attention, one decoding step: z' = z + φ(k) for a single new token.
//
// One invocation per element of z' [B, H, D]. From the tfjs preamble (flat float32 arrays):
// inputs `norm` [B, H, D], `k` [B, H, D]; `result` like `norm`; `uniforms.size`.

fn phi(x: f32) -> f32 {
  return select(exp(x), x + 1.0, x > 0.0);
}

fn main(index: i32) {
  if (index >= uniforms.size) {
    return;
  }
  result[index] = norm[index] + phi(k[index]);
}
