// Shared helpers of the chunked linear-attention passes (prepended to those that need them).
//
// From tfjs's runWebGPUProgram preamble: the input arrays `keyMask` and `typeIds` ([B, N] as
// float32) and `uniforms.mode` (0 bidirectional, 1 causal, 2 unilm). The mode and the sizes
// are uniforms rather than baked constants: SwiftShader takes seconds to compile each
// variant, and one pipeline per pass serves every mode and head dim.

// Weights of token t (flat index b * N + t into the [B, N] masks):
//   .x  weight of key t in the global sum that every query sees
//       (bidirectional: kept keys; unilm: kept source keys),
//   .y  weight of key t in the causal prefix (causal: kept keys; unilm: kept target keys),
//   .z  gate of query t on the causal part (causal: 1; unilm: 1 for target queries).
// A key is kept when keyMask > 0.5; a token is a target token when typeIds > 0.5.
fn tokenWeights(flatToken: u32) -> vec3<f32> {
  let keep = select(0.0, 1.0, f32(keyMask[flatToken]) > 0.5);
  let isTarget = select(0.0, 1.0, f32(typeIds[flatToken]) > 0.5);
  let mode = uniforms.mode;
  if (mode == 0u) {
    return vec3<f32>(keep, 0.0, 0.0);
  }
  if (mode == 1u) {
    return vec3<f32>(0.0, keep, 1.0);
  }
  return vec3<f32>(keep * (1.0 - isTarget), keep * isTarget, isTarget);
}

// Sums the mode needs: a global one (bidirectional, unilm) and a causal one (causal, unilm).
fn hasGlobalSum() -> bool {
  return uniforms.mode != 1u;
}

fn hasCausalSum() -> bool {
  return uniforms.mode != 0u;
}

// 1 for the lanes whose index (first + lane) is below `limit`, else 0.
fn laneMask(first: u32, limit: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(1.0), first + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(limit));
}
