// Pairwise distances between two sets of vectors: a [B, N, H], b [B, M, H] → [B, N, M].
//   METRIC 0, euclidean: sqrt(Σ_h (a_h − b_h)²)   (differences, not ‖a‖² + ‖b‖² − 2a·b,
//                                                 which cancels badly for close points)
//   METRIC 1, cosine distance: 1 − a·b / max(‖a‖ ‖b‖, 1e-12)
//
// One workgroup of 256 invocations per 64 × 64 output tile; invocation (rg, cg) owns rows
// rg + 16a and columns cg + 16c. H is walked in slices of 16 staged in workgroup memory.
//
// From the tfjs preamble (flat float32 arrays): inputs `a`, `b`; `result` [B, N, M];
// `uniforms` batch, n, m, h; `localIndex`, `workgroupId`, `numWorkgroups`.
// Prepended by the program: const METRIC.

const TILE: u32 = 64u;
const KT: u32 = 16u;
const PT: u32 = 4u;

var<workgroup> aTile: array<f32, TILE * KT>;  // [TILE, KT]
var<workgroup> bTile: array<f32, TILE * KT>;  // [TILE, KT]
var<workgroup> normA: array<f32, TILE>;
var<workgroup> normB: array<f32, TILE>;

fn flatWorkgroupIndex() -> u32 {
  return (workgroupId.z * numWorkgroups.y + workgroupId.y) * numWorkgroups.x + workgroupId.x;
}

fn main(index: i32) {
  let batch = uniforms.batch;
  let n = uniforms.n;
  let h = uniforms.h;
  let m = uniforms.m;
  let tilesN = (n + TILE - 1u) / TILE;
  let tilesM = (m + TILE - 1u) / TILE;
  let wg = flatWorkgroupIndex();
  let tj = wg % tilesM;
  let ti = (wg / tilesM) % tilesN;
  let bi = wg / (tilesM * tilesN);
  let live = bi < batch;
  let t = localIndex;
  let rg = t / 16u;
  let cg = t % 16u;

  var acc: array<f32, PT * PT>;
  var norm = 0.0;  // cosine: invocation t < 64 sums ‖a_row t‖², 64 <= t < 128 ‖b_row (t-64)‖²
  for (var h0 = 0u; h0 < h; h0 += KT) {
    workgroupBarrier();
    for (var e = t; e < TILE * KT; e += 256u) {
      let row = e / KT;
      let dim = h0 + e % KT;
      let i = ti * TILE + row;
      let j = tj * TILE + row;
      var av = 0.0;
      var bv = 0.0;
      if (live && dim < h && i < n) {
        av = a[(bi * n + i) * h + dim];
      }
      if (live && dim < h && j < m) {
        bv = b[(bi * m + j) * h + dim];
      }
      aTile[e] = av;
      bTile[e] = bv;
    }
    workgroupBarrier();
    if (METRIC == 0u) {
      for (var kk = 0u; kk < KT; kk++) {
        for (var r = 0u; r < PT; r++) {
          let av = aTile[(rg + 16u * r) * KT + kk];
          for (var c = 0u; c < PT; c++) {
            let diff = av - bTile[(cg + 16u * c) * KT + kk];
            acc[r * PT + c] += diff * diff;
          }
        }
      }
    } else {
      for (var kk = 0u; kk < KT; kk++) {
        for (var r = 0u; r < PT; r++) {
          let av = aTile[(rg + 16u * r) * KT + kk];
          for (var c = 0u; c < PT; c++) {
            acc[r * PT + c] += av * bTile[(cg + 16u * c) * KT + kk];
          }
        }
      }
      if (t < TILE) {
        for (var kk = 0u; kk < KT; kk++) {
          let x = aTile[t * KT + kk];
          norm += x * x;
        }
      } else if (t < 2u * TILE) {
        for (var kk = 0u; kk < KT; kk++) {
          let x = bTile[(t - TILE) * KT + kk];
          norm += x * x;
        }
      }
    }
  }

  if (METRIC == 1u) {
    if (t < TILE) {
      normA[t] = sqrt(norm);
    } else if (t < 2u * TILE) {
      normB[t - TILE] = sqrt(norm);
    }
    workgroupBarrier();
  }

  if (!live) {
    return;
  }
  for (var r = 0u; r < PT; r++) {
    let i = ti * TILE + rg + 16u * r;
    if (i >= n) {
      continue;
    }
    for (var c = 0u; c < PT; c++) {
      let j = tj * TILE + cg + 16u * c;
      if (j >= m) {
        continue;
      }
      var value = 0.0;
      if (METRIC == 0u) {
        value = sqrt(acc[r * PT + c]);
      } else {
        let norms = max(normA[rg + 16u * r] * normB[cg + 16u * c], 1e-12);
        value = 1.0 - acc[r * PT + c] / norms;
      }
      result[(bi * n + i) * m + j] = value;
    }
  }
}
