// erf and the exact-form GELU for the kernels that apply it (bias_gelu.wgsl, dense.wgsl).
// erf is a rational function of our own fit (src/cpu/fused-rows.ts, ERF_P and ERF_Q):
// erf(z) ≈ z · P(z²) / Q(z²) on |z| < 4, ±1 beyond (1 − erf(4) = 1.5e-8); |error| < 2.5e-8
// before float32 rounding, ~3.5e-7 after. No exp: cheap on CPU-backed adapters.

const ERF_P0: f32 = 1.1283790612892988;
const ERF_P1: f32 = 0.19438034073123975;
const ERF_P2: f32 = 0.05321624374858329;
const ERF_P3: f32 = 0.0039218658933251604;
const ERF_P4: f32 = 0.00028590603659821995;
const ERF_P5: f32 = 1.985583978458827e-6;
const ERF_Q1: f32 = 0.5055969967017659;
const ERF_Q2: f32 = 0.11569977688143544;
const ERF_Q3: f32 = 0.015281744898450614;
const ERF_Q4: f32 = 0.0011959298602163063;
const ERF_Q5: f32 = 3.748002459077332e-5;

fn erfRational(x: f32) -> f32 {
  let z = min(abs(x), 4.0);
  let u = z * z;
  let p = ERF_P0 + u * (ERF_P1 + u * (ERF_P2 + u * (ERF_P3 + u * (ERF_P4 + u * ERF_P5))));
  let q = 1.0 + u * (ERF_Q1 + u * (ERF_Q2 + u * (ERF_Q3 + u * (ERF_Q4 + u * ERF_Q5))));
  return sign(x) * select(z * p / q, 1.0, z >= 4.0);
}

fn geluErf(u: f32) -> f32 {
  return 0.5 * u * (1.0 + erfRational(u * 0.7071067811865476));
}
