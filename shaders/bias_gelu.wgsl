// Bias + exact GELU: result = gelu(x + bias), gelu(u) = u · Φ(u) = 0.5 · u · (1 + erf(u/√2)).
//
// One invocation per 4 consecutive outputs, reading storage buffers directly (no workgroup
// memory, no barriers). Prepended by the program: gelu_common.wgsl (geluErf).
//
// From the tfjs preamble (flat float32 arrays): inputs `x` [M, I], `bias` [I]; `result` [M, I];
// `uniforms` cols (= I); `uniforms.size` (= M · I).

fn main(index: i32) {
  let size = u32(uniforms.size);
  let cols = uniforms.cols;
  let first = u32(index) * 4u;
  for (var e = first; e < min(first + 4u, size); e++) {
    result[e] = geluErf(x[e] + bias[e % cols]);
  }
}
