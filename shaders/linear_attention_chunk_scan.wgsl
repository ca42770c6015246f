// Linear attention, pass 2: combine the chunk sums of pass 1.
//
// One invocation per (batch·head, entry of a [D, D + 1] block); it walks the chunks in order:
//   global block  G    = Σ_c slot-0 sums              (bidirectional, unilm)
//   causal blocks P[c] = Σ_{c' < c} causal-slot sums   (exclusive prefix; causal, unilm)
// The walk is over chunk totals only (N / CHUNK steps), all entries run in parallel.
//
// From the tfjs preamble (flat float32 arrays): input `states` [BH·chunks·slots, D, D + 1];
// `result` [BH, P, D·(D + 1)] with P = (global ? 1 : 0) + (causal ? chunks : 0), the global
// block first; `uniforms` bhCount, chunks, prefixRows, d, mode.

fn main(index: i32) {
  let hasGlobal = uniforms.mode != 1u;
  let hasCausal = uniforms.mode != 0u;
  let slots = select(1u, 2u, hasGlobal && hasCausal);
  let globalRows = select(0u, 1u, hasGlobal);
  let causalSlot = slots - 1u;
  let d = uniforms.d;
  let block = d * (d + 1u);
  let bhCount = uniforms.bhCount;
  let rows = uniforms.prefixRows;
  let chunks = uniforms.chunks;
  let gi = u32(index);
  if (gi >= bhCount * block) {
    return;
  }
  let bh = gi / block;
  let entry = gi % block;
  var globalSum = 0.0;
  var prefix = 0.0;
  for (var c = 0u; c < chunks; c++) {
    let at = (bh * chunks + c) * slots * block + entry;
    if (hasGlobal) {
      globalSum += states[at];
    }
    if (hasCausal) {
      result[(bh * rows + globalRows + c) * block + entry] = prefix;
      prefix += states[at + causalSlot * block];
    }
  }
  if (hasGlobal) {
    result[bh * rows * block + entry] = globalSum;
  }
}
