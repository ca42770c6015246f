// GlobalPointer span scores in one pass:
//   s[b, h, i, j] = RoPE(q_i)·RoPE(k_j) · scale + biasStart[b, h, i] + biasEnd[b, h, j]
// and MASKED (-1e12) where i > j or token i or j is padding (mask <= 0.5).
// RoPE rotates interleaved pairs (2p, 2p + 1) by the angle i·θ_p; the host supplies the
// (cos, sin) table in float32, computed in float64 (f32 angles of long sequences are too coarse).
// q and k may have one head shared by every output head (Efficient GlobalPointer).
//
// One workgroup of 256 invocations per 64 × 64 output tile; invocation (rg, cg) owns rows
// rg + 16a and columns cg + 16c. Tiles strictly below the diagonal are only filled with MASKED.
//
// From the tfjs preamble (flat float32 arrays): inputs `q`, `k` [B, HQ, N, D], `mask` [B, N],
// `rope` [N, D] ((cos, sin) per pair), `biasStart`, `biasEnd` [B, H, N]; `result`
// [B, H, N, N]; `uniforms` batch, heads, qHeads, n, d, scale; `localIndex`, `workgroupId`,
// `numWorkgroups`.

const TILE: u32 = 64u;
const KT: u32 = 16u;   // head dimensions staged per step
const PT: u32 = 4u;    // rows and columns per invocation
const MASKED: f32 = -1e12;

var<workgroup> qTile: array<f32, TILE * KT>;  // RoPE(q)·scale, [TILE, KT]
var<workgroup> kTile: array<f32, TILE * KT>;  // RoPE(k), [TILE, KT]
var<workgroup> tileKind: u32;                 // 0 below the diagonal, 1 compute, 2 outside the output

fn flatWorkgroupIndex() -> u32 {
  return (workgroupId.z * numWorkgroups.y + workgroupId.y) * numWorkgroups.x + workgroupId.x;
}

// Element `dim` of the rotated pair (x0, x1) = (x[2p], x[2p + 1]); cs = (cos, sin).
fn rotated(x0: f32, x1: f32, cs: vec2<f32>, odd: bool) -> f32 {
  return select(x0 * cs.x - x1 * cs.y, x1 * cs.x + x0 * cs.y, odd);
}

fn main(index: i32) {
  let heads = uniforms.heads;
  let n = uniforms.n;
  let qHeads = uniforms.qHeads;
  let d = uniforms.d;
  let tiles = (n + TILE - 1u) / TILE;
  let wg = flatWorkgroupIndex();
  let tj = wg % tiles;
  let ti = (wg / tiles) % tiles;
  let bh = wg / (tiles * tiles);
  let b = bh / heads;
  let qbh = b * qHeads + select(bh % heads, 0u, qHeads == 1u);
  let t = localIndex;
  let rg = t / 16u;
  let cg = t % 16u;

  // The tile kind decides whether the workgroup reaches the barriers below, so it must be
  // provably uniform: broadcast it through workgroup memory.
  if (t == 0u) {
    tileKind = select(select(1u, 0u, ti > tj), 2u, bh >= uniforms.batch * heads);
  }
  let kind = workgroupUniformLoad(&tileKind);
  if (kind == 2u) {
    return;
  }
  if (kind == 0u) {
    for (var a = 0u; a < PT; a++) {
      let i = ti * TILE + rg + 16u * a;
      for (var c = 0u; c < PT; c++) {
        let j = tj * TILE + cg + 16u * c;
        if (i < n && j < n) {
          result[(bh * n + i) * n + j] = MASKED;
        }
      }
    }
    return;
  }

  var acc: array<f32, PT * PT>;
  for (var d0 = 0u; d0 < d; d0 += KT) {
    workgroupBarrier();
    for (var e = t; e < TILE * KT; e += 256u) {
      let row = e / KT;
      let dim = d0 + e % KT;
      let pair = dim & ~1u;
      let odd = (dim & 1u) == 1u;
      let i = ti * TILE + row;
      let j = tj * TILE + row;
      var qv = 0.0;
      var kv = 0.0;
      if (dim < d && i < n) {
        let at = (qbh * n + i) * d + pair;
        let cs = vec2<f32>(rope[i * d + pair], rope[i * d + pair + 1u]);
        qv = rotated(q[at], q[at + 1u], cs, odd) * uniforms.scale;
      }
      if (dim < d && j < n) {
        let at = (qbh * n + j) * d + pair;
        let cs = vec2<f32>(rope[j * d + pair], rope[j * d + pair + 1u]);
        kv = rotated(k[at], k[at + 1u], cs, odd);
      }
      qTile[e] = qv;
      kTile[e] = kv;
    }
    workgroupBarrier();
    for (var dd = 0u; dd < KT; dd++) {
      for (var a = 0u; a < PT; a++) {
        let qa = qTile[(rg + 16u * a) * KT + dd];
        for (var c = 0u; c < PT; c++) {
          acc[a * PT + c] += qa * kTile[(cg + 16u * c) * KT + dd];
        }
      }
    }
  }

  for (var a = 0u; a < PT; a++) {
    let i = ti * TILE + rg + 16u * a;
    if (i >= n) {
      continue;
    }
    let keepI = mask[b * n + i] > 0.5;
    let startBias = biasStart[bh * n + i];
    for (var c = 0u; c < PT; c++) {
      let j = tj * TILE + cg + 16u * c;
      if (j >= n) {
        continue;
      }
      let valid = keepI && j >= i && mask[b * n + j] > 0.5;
      let value = acc[a * PT + c] + startBias + biasEnd[bh * n + j];
      result[(bh * n + i) * n + j] = select(MASKED, value, valid);
    }
  }
}
