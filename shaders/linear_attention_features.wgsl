// Linear attention, pass 0: the feature map φ(x) = elu(x) + 1 of q and k, computed once
// instead of once per output block that reads them.
//
// One invocation per output element. From the tfjs preamble (flat float32 arrays): inputs
// `q`, `k` [B, H, N, D]; `result` [2, B, H, N, D] (φ(q), then φ(k)); `uniforms.size`.

fn phi(x: f32) -> f32 {
  return select(exp(x), x + 1.0, x > 0.0);
}

fn main(index: i32) {
  if (index >= uniforms.size) {
    return;
  }
  let half = uniforms.size / 2;
  if (index < half) {
    result[index] = phi(q[index]);
  } else {
    result[index] = phi(k[index - half]);
  }
}
