// Kernel functions of the fused BERT operations for the CPU-side tfjs backends: 'wasm' (on
// its heap, no copies) and 'cpu' (on the backend's typed arrays). Each is one kernel call where
// the composed graph costs 6–10 tfjs kernels. On wasm the WebAssembly SIMD kernels
// (fused-simd.wat) run wherever the shape allows (feature and head sizes multiples of 4), the
// JS loops of fused-rows.ts elsewhere.
import type * as tf from '@tensorflow/tfjs';
import { attentionRows, biasGeluRows, residualLayerNormRows, type AttentionDims } from './fused-rows';
import { simdKernelsFor, type SimdKernels } from './fused-simd';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Where a backend keeps float32 data and how it makes an output, seen through one interface. */
interface HostMemory {
  /** A new float32 tensor of `shape` on the backend. */
  alloc(shape: number[]): tf.TensorInfo;
  /** The data of a float32 tensor; valid until the next `alloc` (the wasm heap may grow). */
  view(t: tf.TensorInfo): Float32Array;
  /** The SIMD kernels on this memory, where it has them. */
  simd?(): SimdKernels | null;
}

/** The parts of tfjs-backend-wasm's BackendWasm used here. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** The parts of tfjs-backend-cpu's MathBackendCPU used here. */
interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values?: Float32Array): tf.TensorInfo;
}

function wasmMemory(backend: unknown): HostMemory {
  const b = backend as WasmBackendLike;
  return { alloc: (shape) => b.makeOutput(shape, 'float32'), view: (t) => b.typedArrayFromHeap(t), simd: () => simdKernelsFor(backend) };
}

function cpuMemory(backend: unknown): HostMemory {
  const b = backend as CpuBackendLike;
  return {
    alloc: (shape) => b.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, s) => a * s, 1))),
    view: (t) => b.data.get(t.dataId).values as Float32Array,
  };
}

/** x [M, H], residual [R, H] (optional), gamma and beta [H] → [M, H]; attrs: eps. */
function residualLayerNorm(memory: HostMemory, { inputs, attrs }: KernelArgs): tf.TensorInfo {
  const { x, residual, gamma, beta } = inputs as Record<string, tf.TensorInfo | undefined>;
  const simd = memory.simd?.();
  if (simd && x!.shape[x!.shape.length - 1]! % 4 === 0) return simd.residualLayerNorm(x!, residual ?? null, gamma!, beta!, attrs!.eps as number);
  const out = memory.alloc(x!.shape);
  residualLayerNormRows(
    memory.view(x!), residual ? memory.view(residual) : null, memory.view(gamma!), memory.view(beta!), attrs!.eps as number, memory.view(out),
  );
  return out;
}

/** x [M, I], bias [I] → gelu(x + bias) [M, I]. */
function biasGelu(memory: HostMemory, { inputs }: KernelArgs): tf.TensorInfo {
  const { x, bias } = inputs as Record<string, tf.TensorInfo>;
  const simd = memory.simd?.();
  if (simd && x.shape[x.shape.length - 1]! % 4 === 0) return simd.biasGelu(x, bias);
  const out = memory.alloc(x.shape);
  biasGeluRows(memory.view(x), memory.view(bias), memory.view(out));
  return out;
}

/** q [B, Lq, H], k and v [B, Lk, H], bias [Bb, 1, Lb, Lk] (optional) → [B, Lq, H]; attrs: heads. */
function selfAttention(memory: HostMemory, { inputs, attrs }: KernelArgs): tf.TensorInfo {
  const { q, k, v, bias } = inputs as Record<string, tf.TensorInfo | undefined>;
  const [batch, lq, h] = q!.shape as [number, number, number];
  const lk = k!.shape[1]!;
  const heads = attrs!.heads as number;
  const dims: AttentionDims = { batch, lq, lk, heads, headDim: h / heads, biasBatch: bias?.shape[0] ?? 1, biasRows: bias?.shape[2] ?? 1 };
  const simd = memory.simd?.();
  if (simd && dims.headDim % 4 === 0 && lk > 0) return simd.attention(q!, k!, v!, bias ?? null, dims);
  const out = memory.alloc(q!.shape);
  attentionRows(memory.view(q!), memory.view(k!), memory.view(v!), bias ? memory.view(bias) : null, dims, memory.view(out));
  return out;
}

/** table [V, H], ids int32 [...] → [..., H], in SIMD on the wasm heap (tfjs-wasm's GatherV2 is ~40 ns per element). */
function gatherRows({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const simd = simdKernelsFor(backend);
  if (!simd) throw new Error('BertGatherRows needs the WebAssembly SIMD kernels, which this browser cannot run.');
  const { table, ids } = inputs as Record<string, tf.TensorInfo>;
  return simd.gatherRows(table, ids);
}

/**
 * The fused kernels a backend may have; `dense` exists on WebGPU only (XNNPACK already fuses it
 * on wasm), `gatherRows` on wasm only.
 */
export type FusedKernelFuncs = Record<'residualLayerNorm' | 'biasGelu' | 'selfAttention', tf.KernelFunc> & {
  dense?: tf.KernelFunc;
  gatherRows?: tf.KernelFunc;
};

function kernelsOn(memory: (backend: unknown) => HostMemory): FusedKernelFuncs {
  return {
    residualLayerNorm: (args) => residualLayerNorm(memory(args.backend), args),
    biasGelu: (args) => biasGelu(memory(args.backend), args),
    selfAttention: (args) => selfAttention(memory(args.backend), args),
  };
}

export const WASM_FUSED_KERNELS: FusedKernelFuncs = { ...kernelsOn(wasmMemory), gatherRows };
export const CPU_FUSED_KERNELS: FusedKernelFuncs = kernelsOn(cpuMemory);
