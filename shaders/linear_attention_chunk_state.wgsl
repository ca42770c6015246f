// Linear attention, pass 1: chunk-local key/value sums.
//
// For every (batch·head, chunk of CHUNK keys, slot) a [D, D + 1] block
//   S[r][c] = Σ_j w_j φ(k_j)[r] v_j[c]   for c < D
//   S[r][D] = Σ_j w_j φ(k_j)[r]          (the normaliser z, as if v had a column of ones)
// with w_j the key's weight for the slot (see tokenWeights). Slot 0 is the global sum
// (bidirectional, unilm) or the causal sum (causal); slot 1 exists in unilm only and is the
// causal sum over target keys.
//
// One invocation per 4 × 4 block of S, reading storage buffers directly (no workgroup memory,
// no barriers: on CPU-backed adapters such as SwiftShader that is about ten times faster).
//
// From the tfjs preamble (flat float32 arrays): inputs `features` [2, B, H, N, D] (φ(q), φ(k)),
// `v` [B, H, N, D], `keyMask`, `typeIds` [B, N]; `result` [BH·chunks·slots, D, D + 1];
// `uniforms` batch, heads, n, d, mode. Prepended by the program: const CHUNK.

fn main(index: i32) {
  let heads = uniforms.heads;
  let n = uniforms.n;
  let d = uniforms.d;
  let width = d + 1u;
  let bhCount = uniforms.batch * heads;
  let slots = select(1u, 2u, hasGlobalSum() && hasCausalSum());
  let chunks = (n + CHUNK - 1u) / CHUNK;
  let rowBlocks = (d + 3u) / 4u;
  let colBlocks = (width + 3u) / 4u;
  let g = u32(index);
  if (g >= bhCount * chunks * slots * rowBlocks * colBlocks) {
    return;
  }
  let c0 = (g % colBlocks) * 4u;
  let r0 = ((g / colBlocks) % rowBlocks) * 4u;
  let unit = g / (colBlocks * rowBlocks);  // (bh, chunk, slot)
  let slot = unit % slots;
  let chunk = (unit / slots) % chunks;
  let bh = unit / (slots * chunks);
  let b = bh / heads;
  // Causal mode has a single slot, and it holds the causal weights (.y).
  let weightColumn = select(slot, 1u, !hasGlobalSum());

  let rowsIn = laneMask(r0, d);
  let valueCols = laneMask(c0, d);                                       // columns of v
  let normCol = select(vec4<f32>(0.0), vec4<f32>(1.0), c0 + vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(d));
  let kHead = bhCount * n * d + bh * n * d;  // φ(k) of this head inside `features`
  let vHead = bh * n * d;
  let last = d - 1u;

  var acc0 = vec4<f32>(0.0);  // row r0, columns c0 .. c0 + 3
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let jEnd = min(n, (chunk + 1u) * CHUNK);
  for (var j = chunk * CHUNK; j < jEnd; j++) {
    let w = tokenWeights(b * n + j)[weightColumn];
    let kr = kHead + j * d;
    let kv = w * rowsIn * vec4<f32>(
      features[kr + min(r0, last)], features[kr + min(r0 + 1u, last)],
      features[kr + min(r0 + 2u, last)], features[kr + min(r0 + 3u, last)]);
    let vr = vHead + j * d;
    let vv = valueCols * vec4<f32>(
      v[vr + min(c0, last)], v[vr + min(c0 + 1u, last)], v[vr + min(c0 + 2u, last)], v[vr + min(c0 + 3u, last)]) + normCol;
    acc0 += kv.x * vv;
    acc1 += kv.y * vv;
    acc2 += kv.z * vv;
    acc3 += kv.w * vv;
  }

  let base = unit * d * width;
  storeRow(base, r0, c0, acc0);
  storeRow(base, r0 + 1u, c0, acc1);
  storeRow(base, r0 + 2u, c0, acc2);
  storeRow(base, r0 + 3u, c0, acc3);
}

fn storeRow(base: u32, r: u32, c0: u32, acc: vec4<f32>) {
  let d = uniforms.d;
  if (r >= d) {
    return;
  }
  for (var c = 0u; c < 4u; c++) {
    if (c0 + c <= d) {
      result[base + r * (d + 1u) + c0 + c] = acc[c];
    }
  }
}
