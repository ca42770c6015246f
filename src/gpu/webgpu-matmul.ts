// Works around a tfjs 4.22 WebGPU bug that breaks gradients through the MLM decoder.
//
// tfjs picks MatMulSplitKProgram for a batch-1 matMul with a long inner dimension (≥ 2000) and
// a small output; with transposeB = true that program returns wrong sums (relative error ~100
// measured for [3, 4000] · [64, 4000]ᵀ; without transposeB it is right). The forward pass never
// hits it (weights are stored pre-transposed), but the gradient of x·W is dy·Wᵀ: through the
// [H, V] vocabulary projection that is exactly the broken case. Inside `fn` every matMul uses
// the general packed program instead. Synchronous only: the flag is read when a kernel is
// enqueued, and nothing else can run between set and restore.
import * as tf from '@tensorflow/tfjs';

/** tfjs-backend-webgpu's MatMulProgramType.MatMulPackedProgram. */
const MATMUL_PACKED_PROGRAM = 3;
const FLAG = 'WEBGPU_MATMUL_PROGRAM_TYPE';

export function withoutSplitKMatMul<T>(fn: () => T): T {
  if (tf.getBackend() !== 'webgpu') return fn();
  const env = tf.env();
  const before = env.get(FLAG);
  env.set(FLAG, MATMUL_PACKED_PROGRAM);
  try {
    return fn();
  } finally {
    env.set(FLAG, before);
  }
}
