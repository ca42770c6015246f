// Linear attention, pass 2 of 3: combine the chunk sums of pass 1.
//
// One invocation per (batch·head, entry of a [D, D + 1] block); it walks the chunks in order:
//   global block  G    = Σ_c slot-0 sums              (when HAS_GLOBAL)
//   causal blocks P[c] = Σ_{c' < c} causal-slot sums   (exclusive prefix, when HAS_CAUSAL)
// The walk is over chunk totals only (N / CHUNK steps), all entries run in parallel.
//
// From the tfjs preamble: input `states` [BH·chunks·SLOTS, D, D + 1]; `result`
// [BH, P, D·(D + 1)] with P = GLOBAL_ROWS + (HAS_CAUSAL ? chunks : 0), the global block first;
// `uniforms.outShape`, `uniforms.statesShape`.
// Prepended by the program: const D, SLOTS, HAS_GLOBAL, HAS_CAUSAL, GLOBAL_ROWS, CAUSAL_SLOT.

const BLOCK: u32 = D * (D + 1u);

fn main(index: i32) {
  let bhCount = u32(uniforms.outShape.x);
  let rows = u32(uniforms.outShape.y);
  let chunks = u32(uniforms.statesShape.x) / (bhCount * SLOTS);
  let gi = u32(index);
  if (gi >= bhCount * BLOCK) {
    return;
  }
  let bh = gi / BLOCK;
  let entry = gi % BLOCK;
  var globalSum = 0.0;
  var prefix = 0.0;
  for (var c = 0u; c < chunks; c++) {
    let at = (bh * chunks + c) * SLOTS * BLOCK + entry;
    if (HAS_GLOBAL) {
      globalSum += states[at];
    }
    if (HAS_CAUSAL) {
      result[(bh * rows + GLOBAL_ROWS + c) * BLOCK + entry] = prefix;
      prefix += states[at + CAUSAL_SLOT * BLOCK];
    }
  }
  if (HAS_GLOBAL) {
    result[bh * rows * BLOCK + entry] = globalSum;
  }
}
