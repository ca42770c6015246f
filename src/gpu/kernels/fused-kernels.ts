// WebGPU kernel functions of the fused BERT operations (registered by src/model/fused-ops.ts).
import type * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { FusedKernelFuncs } from '../../cpu/fused-kernels';
import { BiasGeluProgram, DenseProgram, ResidualLayerNormProgram, SelfAttentionProgram, type DenseActivation } from './fused-programs';
import { runFlat, withShape } from './program';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** x [M, H], residual [R, H] (optional), gamma and beta [H] → [M, H]; attrs: eps. */
function residualLayerNorm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, residual, gamma, beta } = inputs as Record<string, tf.TensorInfo | undefined>;
  const [rows, h] = x!.shape as [number, number];
  const program = new ResidualLayerNormProgram({ rows, h, resRows: residual?.shape[0] ?? 1, eps: attrs!.eps as number }, residual !== undefined);
  const out = runFlat(backend as WebGPUBackend, program, residual ? [x!, residual, gamma!, beta!] : [x!, gamma!, beta!]);
  return withShape(out, [rows, h]);
}

/** x [M, I], bias [I] → gelu(x + bias) [M, I]. */
function biasGelu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, bias } = inputs as Record<string, tf.TensorInfo>;
  const [rows, cols] = x.shape as [number, number];
  const out = runFlat(backend as WebGPUBackend, new BiasGeluProgram({ rows, cols }), [x, bias]);
  return withShape(out, [rows, cols]);
}

/** q [B, Lq, H], k and v [B, Lk, H], bias [Bb, 1, Lb, Lk] (optional) → [B, Lq, H]; attrs: heads. */
function selfAttention({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { q, k, v, bias } = inputs as Record<string, tf.TensorInfo | undefined>;
  const [batch, lq, h] = q!.shape as [number, number, number];
  const heads = attrs!.heads as number;
  const program = new SelfAttentionProgram({
    batch, lq, lk: k!.shape[1]!, heads, headDim: h / heads, biasBatch: bias?.shape[0] ?? 1, biasRows: bias?.shape[2] ?? 1,
  }, bias !== undefined);
  const out = runFlat(backend as WebGPUBackend, program, bias ? [q!, k!, v!, bias] : [q!, k!, v!]);
  return withShape(out, [batch, lq, h]);
}

/** x [M, K], w [K, N], bias [N] → act(x·w + bias) [M, N]; attrs: activation. */
function dense({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, w, bias } = inputs as Record<string, tf.TensorInfo>;
  const [m, k] = x.shape as [number, number];
  const n = w.shape[1]!;
  const out = runFlat(backend as WebGPUBackend, new DenseProgram({ m, n, k }, attrs!.activation as DenseActivation), [x, w, bias]);
  return withShape(out, [m, n]);
}

export const WEBGPU_FUSED_KERNELS: FusedKernelFuncs = { residualLayerNorm, biasGelu, selfAttention, dense };
