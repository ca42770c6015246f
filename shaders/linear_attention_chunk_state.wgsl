// Linear attention, pass 1 of 3: chunk-local key/value sums.
//
// One workgroup of 256 invocations per (batch·head, chunk, slot). Over the CHUNK keys j of
// its chunk it computes, with w_j the key's weight for the slot (see tokenWeights):
//   S[r][c] = Σ_j w_j φ(k_j)[r] v_j[c]   for r, c < D
//   z[r]    = Σ_j w_j φ(k_j)[r]          stored as column D, so a block is [D, D + 1].
// Slot 0 is the global sum (bidirectional, unilm) or the causal sum (causal); slot 1 exists
// in unilm only and is the causal sum over target keys.
//
// From the tfjs preamble (flat float32 arrays): `result` [BH·chunks·slots, D, D + 1]; inputs
// `k`, `v` [B, H, N, D], `keyMask`, `typeIds` [B, N]; `uniforms` batch, heads, n, d, mode;
// `localIndex`.
// Prepended by the program: const DP (largest D of this variant, a multiple of 16), CHUNK.

const TILE_ROWS: u32 = 16u;  // keys staged in workgroup memory per step
const RPT: u32 = DP / 16u;   // rows (and columns) of S owned by each invocation

var<workgroup> kTile: array<f32, TILE_ROWS * DP>;  // w_j φ(k_j), [TILE_ROWS, DP], zero past D
var<workgroup> vTile: array<f32, TILE_ROWS * DP>;  // v_j, [TILE_ROWS, DP], zero past D

fn main(index: i32) {
  let heads = uniforms.heads;
  let n = uniforms.n;
  let d = uniforms.d;
  let e = d + 1u;
  let bhCount = uniforms.batch * heads;
  let slots = select(1u, 2u, hasGlobalSum() && hasCausalSum());
  let chunks = (n + CHUNK - 1u) / CHUNK;
  let wg = flatWorkgroupIndex();
  let slot = wg % slots;
  let chunk = (wg / slots) % chunks;
  let bh = wg / (slots * chunks);
  let live = bh < bhCount;
  let b = bh / heads;
  // Slot 0 of the causal mode holds causal weights (.y); otherwise slot s uses column s.
  let weightColumn = select(slot, 1u, !hasGlobalSum());

  let t = localIndex;
  let rg = t / 16u;  // this invocation owns rows rg + 16a ...
  let cg = t % 16u;  // ... and columns cg + 16c of S

  var acc: array<f32, RPT * RPT>;
  var zAcc: array<f32, RPT>;

  for (var tile = 0u; tile < CHUNK / TILE_ROWS; tile++) {
    workgroupBarrier();
    for (var i = t; i < TILE_ROWS * DP; i += 256u) {
      let row = i / DP;
      let col = i % DP;
      let j = chunk * CHUNK + tile * TILE_ROWS + row;
      var kw = 0.0;
      var vv = 0.0;
      if (live && j < n && col < d) {
        let w = tokenWeights(b * n + j)[weightColumn];
        let at = (bh * n + j) * d + col;
        kw = w * phi(k[at]);
        vv = v[at];
      }
      kTile[i] = kw;
      vTile[i] = vv;
    }
    workgroupBarrier();
    for (var row = 0u; row < TILE_ROWS; row++) {
      for (var a = 0u; a < RPT; a++) {
        let kr = kTile[row * DP + rg + 16u * a];
        zAcc[a] += kr;
        for (var c = 0u; c < RPT; c++) {
          acc[a * RPT + c] += kr * vTile[row * DP + cg + 16u * c];
        }
      }
    }
  }

  if (!live) {
    return;
  }
  let base = ((bh * chunks + chunk) * slots + slot) * d * e;
  for (var a = 0u; a < RPT; a++) {
    let r = rg + 16u * a;
    if (r >= d) {
      continue;
    }
    for (var c = 0u; c < RPT; c++) {
      let col = cg + 16u * c;
      if (col < d) {
        result[base + r * e + col] = acc[a * RPT + c];
      }
    }
    if (cg == 0u) {
      result[base + r * e + d] = zAcc[a];
    }
  }
}
