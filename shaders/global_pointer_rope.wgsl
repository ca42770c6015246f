// GlobalPointer, pass 1 of 2: rotary position embedding of q (times 1/√D) and k.
//   out[2p]     = x[2p] cos(i·θ_p) − x[2p + 1] sin(i·θ_p)
//   out[2p + 1] = x[2p + 1] cos(i·θ_p) + x[2p] sin(i·θ_p)
// for token i; the host supplies the (cos, sin) table in float32, computed in float64
// (f32 angles of long sequences are off by ~1e-4 rad).
//
// One invocation per output element. From the tfjs preamble (flat float32 arrays): inputs
// `q`, `k` [B, HQ, N, D], `rope` [N, D] ((cos, sin) per pair); `result` [2, B, HQ, N, D]
// (rotated q, then rotated k); `uniforms` size, n, d, scale.

fn main(index: i32) {
  if (index >= uniforms.size) {
    return;
  }
  let g = u32(index);
  let half = u32(uniforms.size) / 2u;
  let isKey = g >= half;
  let e = select(g, g - half, isKey);
  let d = uniforms.d;
  let dim = e % d;
  let pos = (e / d) % uniforms.n;
  let pair = e - dim + (dim & ~1u);  // flat index of x[2p]
  let table = pos * d + (dim & ~1u);
  let c = rope[table];
  let s = rope[table + 1u];
  var x0: f32;
  var x1: f32;
  if (isKey) {
    x0 = k[pair];
    x1 = k[pair + 1u];
  } else {
    x0 = q[pair];
    x1 = q[pair + 1u];
  }
  let rotated = select(x0 * c - x1 * s, x1 * c + x0 * s, (dim & 1u) == 1u);
  result[g] = select(rotated * uniforms.scale, rotated, isKey);
}
