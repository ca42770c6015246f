// The WebAssembly SIMD kernels of fused-simd.wat, instantiated on tfjs-backend-wasm's own heap:
// one instance per backend (and so per heap), made on first use and kept. Tensors are passed as byte
// offsets into that heap, so no data is copied. Where the browser has no SIMD (or the heap is
// not reachable) `simdKernelsFor` returns null and the callers run the JS loops instead.
import type * as tf from '@tensorflow/tfjs';
import { shared, unshared } from './fused-simd.wat';
import type { AttentionDims } from './fused-rows';

/** The exports of fused-simd.wat (pointers are byte offsets into the heap). */
interface SimdExports {
  bias_gelu(x: number, bias: number, rows: number, h: number, out: number): void;
  layer_norm(
    x: number, res: number, hasResidual: number, resRows: number, gamma: number, beta: number, rows: number, h: number, eps: number, out: number,
  ): void;
  attention(
    q: number, k: number, v: number, bias: number, hasBias: number, batch: number, lq: number, lk: number, heads: number, d: number,
    biasBatch: number, biasRows: number, scratch: number, out: number,
  ): void;
  gather_rows(table: number, ids: number, count: number, h: number, vocab: number, out: number): number;
}

/** The parts of tfjs-backend-wasm's BackendWasm (and its Emscripten module) used here. */
interface WasmBackendLike {
  wasm?: {
    wasmMemory?: WebAssembly.Memory; // the threaded build
    asm?: { memory?: WebAssembly.Memory }; // the single-threaded build
    _malloc?(bytes: number): number;
    _free?(ptr: number): void;
  };
  dataIdMap?: { get(dataId: object): { memoryOffset: number | null } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** The SIMD kernels bound to one backend's heap; shapes are checked by the caller (fused-ops.ts). */
export interface SimdKernels {
  /** gelu(x + bias), x [M, H], H a multiple of 4. */
  biasGelu(x: tf.TensorInfo, bias: tf.TensorInfo): tf.TensorInfo;
  /** LayerNorm(x + residual)·gamma + beta, x [M, H], residual [R, H] or null, H a multiple of 4. */
  residualLayerNorm(x: tf.TensorInfo, residual: tf.TensorInfo | null, gamma: tf.TensorInfo, beta: tf.TensorInfo, eps: number): tf.TensorInfo;
  /** Softmax attention as attentionRows (fused-rows.ts), D a multiple of 4, Lk ≥ 1. */
  attention(q: tf.TensorInfo, k: tf.TensorInfo, v: tf.TensorInfo, bias: tf.TensorInfo | null, dims: AttentionDims): tf.TensorInfo;
  /** Rows of table [V, H] at int32 ids [...] → [..., H]; throws a RangeError naming an id outside [0, V). */
  gatherRows(table: tf.TensorInfo, ids: tf.TensorInfo): tf.TensorInfo;
}

// Every fused op asks for the kernels (fused-ops.ts, then the kernel itself): they are bound once.
const kernelsByBackend = new WeakMap<object, SimdKernels | null>();
let disabled = false;

/** Turns the SIMD kernels off (or on again), e.g. to time or test the JS loops on wasm. */
export function setSimdKernelsEnabled(enabled: boolean): void {
  disabled = !enabled;
}

function instantiate(memory: WebAssembly.Memory): SimdExports | null {
  try {
    const bytes = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer ? shared : unshared;
    // Synchronous compile: the module is ~3.2 KB, under the 4 KB Chromium allows on the main thread
    // (scripts/build-plugins.test.ts keeps it there).
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), { env: { memory } });
    return instance.exports as unknown as SimdExports;
  } catch {
    return null; // no WebAssembly SIMD here: the JS loops run instead
  }
}

/** The SIMD kernels on `backend`'s heap, or null where they cannot run. */
export function simdKernelsFor(backend: unknown): SimdKernels | null {
  if (disabled || typeof backend !== 'object' || backend === null) return null;
  let kernels = kernelsByBackend.get(backend);
  if (kernels === undefined) {
    kernels = bindKernels(backend as WasmBackendLike);
    kernelsByBackend.set(backend, kernels);
  }
  return kernels;
}

function bindKernels(b: WasmBackendLike): SimdKernels | null {
  const memory = b.wasm?.wasmMemory ?? b.wasm?.asm?.memory;
  const malloc = b.wasm?._malloc;
  const free = b.wasm?._free;
  if (!memory || !malloc || !free || !b.dataIdMap) return null;
  const k = instantiate(memory);
  if (!k) return null;
  const ptr = (t: tf.TensorInfo): number => {
    const offset = b.dataIdMap!.get(t.dataId)?.memoryOffset;
    if (offset == null) throw new Error('A tensor of the wasm backend has no memory on its heap.');
    return offset;
  };
  const rowsOf = (t: tf.TensorInfo) => t.shape.slice(0, -1).reduce((a, s) => a * s, 1);
  return {
    biasGelu(x, bias) {
      const out = b.makeOutput(x.shape, 'float32');
      const h = x.shape[x.shape.length - 1]!;
      if (h > 0) k.bias_gelu(ptr(x), ptr(bias), rowsOf(x), h, ptr(out));
      return out;
    },
    residualLayerNorm(x, residual, gamma, beta, eps) {
      const out = b.makeOutput(x.shape, 'float32');
      const h = x.shape[x.shape.length - 1]!;
      const rows = rowsOf(x);
      if (h > 0 && rows > 0) {
        k.layer_norm(ptr(x), residual ? ptr(residual) : 0, residual ? 1 : 0, residual ? rowsOf(residual) : 1, ptr(gamma), ptr(beta), rows, h, eps, ptr(out));
      }
      return out;
    },
    attention(q, kt, v, bias, dims) {
      const out = b.makeOutput(q.shape, 'float32');
      const { batch, lq, lk, heads, headDim, biasBatch, biasRows } = dims;
      if (batch * lq * heads * headDim === 0) return out;
      const scratch = malloc(Math.ceil(lk / 4) * 16);
      try {
        k.attention(ptr(q), ptr(kt), ptr(v), bias ? ptr(bias) : 0, bias ? 1 : 0, batch, lq, lk, heads, headDim, biasBatch, biasRows, scratch, ptr(out));
      } finally {
        free(scratch);
      }
      return out;
    },
    gatherRows(table, ids) {
      const [vocab, h] = table.shape as [number, number];
      const count = ids.shape.reduce((a, s) => a * s, 1);
      const idView = new Int32Array(memory.buffer, ptr(ids), count);
      for (let i = 0; i < count; i++) {
        const id = idView[i]!;
        if (id < 0 || id >= vocab) throw new RangeError(`Token id ${id} is outside the vocabulary [0, ${vocab}) of the embedding table.`);
      }
      const out = b.makeOutput([...ids.shape, h], 'float32');
      if (count > 0 && h > 0) k.gather_rows(ptr(table), ptr(ids), count, h, vocab, ptr(out));
      return out;
    },
  };
}
