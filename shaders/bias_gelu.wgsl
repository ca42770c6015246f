// Bias + exact GELU: result = gelu(x + bias), gelu(u) = u · Φ(u) = 0.5 · u · (1 + erf(u/√2)).
//
// One invocation per 4 consecutive outputs, reading storage buffers directly (no workgroup
// memory, no barriers). Φ comes from erfc, so neither tail cancels:
//   Φ(u) = 1 − erfc(u/√2)/2 for u ≥ 0,   erfc(|u|/√2)/2 for u < 0,
//   erfc(z) = exp(−z²) · t · Q(t), t = 1 / (1 + z/2),
// with the fitted polynomial Q of src/cpu/fused-rows.ts (ERFC_COEFFS; relative error of erfc
// < 1.2e-8 before float32 rounding).
//
// From the tfjs preamble (flat float32 arrays): inputs `x` [M, I], `bias` [I]; `result` [M, I];
// `uniforms` cols (= I); `uniforms.size` (= M · I).

const ERFC_C0: f32 = 0.2820947929917373;
const ERFC_C1: f32 = 0.2820940042949869;
const ERFC_C2: f32 = 0.24687698554386683;
const ERFC_C3: f32 = 0.1754149203044794;
const ERFC_C4: f32 = 0.09278483705582602;
const ERFC_C5: f32 = -0.056516372303150916;
const ERFC_C6: f32 = 0.12563768378409249;
const ERFC_C7: f32 = -0.4451693045992656;
const ERFC_C8: f32 = 0.4848399585184702;
const ERFC_C9: f32 = -0.23032283723680844;
const ERFC_C10: f32 = 0.04226532929191535;

fn geluErf(u: f32) -> f32 {
  let z = abs(u) * 0.7071067811865476;
  let t = 1.0 / (1.0 + 0.5 * z);
  var q = ERFC_C10;
  q = q * t + ERFC_C9;
  q = q * t + ERFC_C8;
  q = q * t + ERFC_C7;
  q = q * t + ERFC_C6;
  q = q * t + ERFC_C5;
  q = q * t + ERFC_C4;
  q = q * t + ERFC_C3;
  q = q * t + ERFC_C2;
  q = q * t + ERFC_C1;
  q = q * t + ERFC_C0;
  let halfTail = 0.5 * exp(-z * z) * t * q; // Φ(−|u|)
  return u * select(1.0 - halfTail, halfTail, u < 0.0);
}

fn main(index: i32) {
  let size = u32(uniforms.size);
  let cols = uniforms.cols;
  let first = u32(index) * 4u;
  for (var e = first; e < min(first + 4u, size); e++) {
    result[e] = geluErf(x[e] + bias[e % cols]);
  }
}
