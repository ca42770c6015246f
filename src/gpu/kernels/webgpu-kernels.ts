// tfjs kernels for the WebGPU backend: shape the work, check device limits, run the programs.
// Every check happens before the first program is queued, so a too-large input is a typed
// Error, never a WebGPU validation error.
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { KernelLimitError } from './errors';
import {
  CHUNK, ChunkOutputProgram, ChunkScanProgram, ChunkScoresProgram, ChunkStateProgram, FeaturesProgram,
  LINEAR_ATTENTION_MAX_DIM, planChunks, StepNormProgram, StepOutputProgram, StepStateProgram, type AttentionMode,
} from './linear-attention-programs';
import { GlobalPointerProgram, PairDistanceProgram, RopeProgram, type DistanceMetric } from './pair-programs';
import { elementCount, runFlat, withShape } from './program';
import { ropeTable } from './rope';

export const KERNEL_NAMES = {
  linearAttention: 'BertLinearAttention',
  linearAttentionStep: 'BertLinearAttentionStep',
  globalPointer: 'BertGlobalPointerScores',
  pairDistance: 'BertPairDistance',
} as const;

type KernelArgs = Parameters<tf.KernelFunc>[0];

function deviceOf(backend: WebGPUBackend): GPUDevice {
  return backend.device;
}

/** Throws when any buffer (elements of float32) exceeds what one binding may hold. */
function checkBuffers(backend: WebGPUBackend, op: string, buffers: Record<string, number>, hint: string): void {
  const limits = deviceOf(backend).limits;
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  for (const [name, elements] of Object.entries(buffers)) {
    const bytes = elements * 4;
    if (bytes > maxBytes) {
      const mib = (x: number) => (x / 2 ** 20).toFixed(1);
      throw new KernelLimitError(
        `${op}: ${name} needs ${mib(bytes)} MiB but this GPU binds at most ${mib(maxBytes)} MiB per buffer; ${hint}`,
      );
    }
  }
}

function checkWorkgroups(backend: WebGPUBackend, op: string, workgroups: number, hint: string): void {
  const perDim = deviceOf(backend).limits.maxComputeWorkgroupsPerDimension;
  if (workgroups > perDim * perDim) {
    throw new KernelLimitError(`${op}: ${workgroups} workgroups exceed this GPU's dispatch limit; ${hint}`);
  }
}

function linearAttentionKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const gpu = backend as WebGPUBackend;
  const { q, k, v, keyMask, typeIds } = inputs as Record<string, tf.TensorInfo>;
  const mode = attrs!.mode as AttentionMode;
  const eps = attrs!.eps as number;
  const [batch, heads, n, d] = q.shape as [number, number, number, number];
  const op = 'linearAttention';
  if (d > LINEAR_ATTENTION_MAX_DIM) {
    throw new KernelLimitError(
      `${op}: head dim ${d} exceeds the WebGPU kernel's maximum of ${LINEAR_ATTENTION_MAX_DIM}; ` +
        'use smaller heads or run on the wasm or cpu backend.',
    );
  }
  const plan = planChunks(mode, batch, heads, n, d);
  const block = d * (d + 1);
  const hint = 'use a shorter sequence or a smaller batch, or run on the wasm backend.';
  checkBuffers(gpu, op, {
    'φ(q), φ(k)': 2 * batch * heads * n * d,
    'chunk sums': batch * heads * plan.chunks * plan.slots * block,
    'chunk prefixes': batch * heads * plan.prefixRows * block,
    'chunk scores': plan.hasCausal ? batch * heads * plan.chunks * CHUNK * CHUNK : 0,
  }, hint);
  checkWorkgroups(gpu, op, Math.ceil((batch * heads * plan.chunks * plan.slots * Math.ceil(d / 4) * Math.ceil((d + 1) / 4)) / 64), hint);

  const features = runFlat(gpu, new FeaturesProgram(plan), [q, k]);
  const states = runFlat(gpu, new ChunkStateProgram(plan), [features, v, keyMask, typeIds]);
  const prefix = runFlat(gpu, new ChunkScanProgram(plan), [states]);
  // Bidirectional mode never reads the score tiles; the prefix stands in for the binding.
  const scores = plan.hasCausal ? runFlat(gpu, new ChunkScoresProgram(plan), [features, keyMask, typeIds]) : prefix;
  const out = runFlat(gpu, new ChunkOutputProgram(plan, eps), [features, v, keyMask, typeIds, prefix, scores]);
  for (const t of new Set([features, states, prefix, scores])) gpu.disposeData(t.dataId);
  return withShape(out, [batch, heads, n, d]);
}

function linearAttentionStepKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const gpu = backend as WebGPUBackend;
  const { S, z, q, k, v } = inputs as Record<string, tf.TensorInfo>;
  const eps = attrs!.eps as number;
  const [batch, heads, d, dv] = S.shape as [number, number, number, number];
  const bh = batch * heads;
  checkBuffers(gpu, 'linearAttentionStep', { state: elementCount(S.shape) }, 'use fewer heads or a smaller batch.');
  const nextS = runFlat(gpu, new StepStateProgram(bh, d, dv), [S, k, v]);
  const nextZ = runFlat(gpu, new StepNormProgram(bh, d), [z, k]);
  const out = runFlat(gpu, new StepOutputProgram(bh, d, dv, eps), [q, nextS, nextZ]);
  return [withShape(out, [batch, heads, dv]), withShape(nextS, S.shape), withShape(nextZ, z.shape)];
}

function globalPointerKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const gpu = backend as WebGPUBackend;
  const { q, k, mask, biasStart, biasEnd } = inputs as Record<string, tf.TensorInfo>;
  const [batch, qHeads, n, d] = q.shape as [number, number, number, number];
  const heads = biasStart.shape[1] as number;
  const op = 'globalPointerScores';
  const hint = 'score fewer tokens or heads at once (the output is [batch, heads, seq, seq]).';
  checkBuffers(gpu, op, { scores: batch * heads * n * n, 'rotated q/k': 2 * elementCount(q.shape) }, hint);
  checkWorkgroups(gpu, op, Math.ceil((batch * heads * Math.ceil(n / 4) ** 2) / 64), hint);

  const rope = gpu.makeTensorInfo([n * d], 'float32', ropeTable(n, d));
  const rotated = runFlat(gpu, new RopeProgram({ batch, qHeads, n, d }), [q, k, rope]);
  const out = runFlat(gpu, new GlobalPointerProgram({ batch, heads, qHeads, n, d }), [rotated, mask, biasStart, biasEnd]);
  gpu.disposeData(rope.dataId);
  gpu.disposeData(rotated.dataId);
  return withShape(out, [batch, heads, n, n]);
}

function pairDistanceKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const gpu = backend as WebGPUBackend;
  const { a, b } = inputs as Record<string, tf.TensorInfo>;
  const metric = attrs!.metric as DistanceMetric;
  const [batch, n, h] = a.shape as [number, number, number];
  const m = b.shape[1] as number;
  const op = 'pairDistance';
  const hint = 'compare fewer vectors at once.';
  checkBuffers(gpu, op, { distances: batch * n * m, a: elementCount(a.shape), b: elementCount(b.shape) }, hint);
  checkWorkgroups(gpu, op, Math.ceil((batch * Math.ceil(n / 4) * Math.ceil(m / 4)) / 64), hint);
  const out = runFlat(gpu, new PairDistanceProgram({ batch, n, m, h }, metric), [a, b]);
  return withShape(out, [batch, n, m]);
}

const CONFIGS: tf.KernelConfig[] = [
  { kernelName: KERNEL_NAMES.linearAttention, backendName: 'webgpu', kernelFunc: linearAttentionKernel },
  { kernelName: KERNEL_NAMES.linearAttentionStep, backendName: 'webgpu', kernelFunc: linearAttentionStepKernel },
  { kernelName: KERNEL_NAMES.globalPointer, backendName: 'webgpu', kernelFunc: globalPointerKernel },
  { kernelName: KERNEL_NAMES.pairDistance, backendName: 'webgpu', kernelFunc: pairDistanceKernel },
];

/** Registers the kernels with tfjs once (idempotent). */
export function registerWebGPUKernels(): void {
  for (const config of CONFIGS) {
    if (!tf.getKernel(config.kernelName, 'webgpu')) tf.registerKernel(config);
  }
}
