// LayerNorm of (x + residual) over the last axis, then · gamma + beta:
//   s = x[r] + residual[r mod R];  result[r] = (s − mean(s)) / sqrt(var(s) + eps) · gamma + beta
// with var the mean of squared deviations (a second pass; E[s²] − E[s]² cancels in float32).
//
// One invocation per row, reading storage buffers directly: no workgroup memory and no
// barriers (on CPU-backed adapters such as SwiftShader, tfjs's one-workgroup-per-row
// reductions with barriers were ~10× slower).
//
// From the tfjs preamble (flat float32 arrays): inputs `x` [M, H], `residual` [R, H] (when the
// program has one), `gamma`, `beta` [H]; `result` [M, H]; `uniforms` rows (M), h (H),
// resRows (R), eps. Prepended by the program: `fn rowValue(o: u32, ro: u32) -> f32`, the
// element of s at x offset o and residual offset ro.

fn main(index: i32) {
  let row = u32(index);
  if (row >= uniforms.rows) {
    return;
  }
  let h = uniforms.h;
  let o = row * h;
  let ro = (row % uniforms.resRows) * h;
  // Summed relative to the row's first element: a large common offset (a large mean) then
  // costs no float32 precision in the sum.
  let shift = rowValue(o, ro);
  var sum = 0.0;
  for (var c = 0u; c < h; c++) {
    sum += rowValue(o + c, ro + c) - shift;
  }
  let mean = shift + sum / f32(h);
  var sq = 0.0;
  for (var c = 0u; c < h; c++) {
    let d = rowValue(o + c, ro + c) - mean;
    sq += d * d;
  }
  let rstd = inverseSqrt(sq / f32(h) + uniforms.eps);
  for (var c = 0u; c < h; c++) {
    result[o + c] = (rowValue(o + c, ro + c) - mean) * rstd * gamma[c] + beta[c];
  }
}
