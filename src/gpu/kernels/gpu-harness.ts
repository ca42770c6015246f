// WebGPU (Dawn in Node) harness for kernel tests: starts the backend, turns any validation
// error into a failure, and poisons the buffer pool so unwritten outputs show up as NaN.
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { afterEach, beforeAll, expect } from 'vitest';
import { initBackend } from '../backend';
import { installNodeWebGPU } from '../node-gpu';

export interface GpuHarness {
  backend: WebGPUBackend;
  device: GPUDevice;
  /** Messages of errors no error scope caught (a test asserts this stays empty). */
  uncaptured: string[];
}

export async function startWebGPU(): Promise<GpuHarness> {
  const gpu = await installNodeWebGPU();
  if (!gpu) throw new Error('Dawn WebGPU is not available in this Node process (npm package "webgpu").');
  await initBackend({ gpu, override: 'webgpu' });
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  const backend = tf.backend() as WebGPUBackend;
  const uncaptured: string[] = [];
  backend.device.addEventListener('uncapturederror', (event) => {
    uncaptured.push((event as GPUUncapturedErrorEvent).error.message);
  });
  return { backend, device: backend.device, uncaptured };
}

/** Runs `work` inside validation and out-of-memory error scopes; any error there fails. */
export async function checked<T>(h: GpuHarness, work: () => Promise<T>): Promise<T> {
  h.device.pushErrorScope('validation');
  h.device.pushErrorScope('out-of-memory');
  let result: T;
  try {
    result = await work();
  } finally {
    const oom = await h.device.popErrorScope();
    const validation = await h.device.popErrorScope();
    if (validation) throw new Error(`WebGPU validation error: ${validation.message}`);
    if (oom) throw new Error(`WebGPU out-of-memory error: ${oom.message}`);
  }
  return result;
}

export function bufferOf(h: GpuHarness, t: tf.TensorInfo): GPUBuffer | null {
  const resource = h.backend.tensorMap.get(t.dataId)?.resource;
  return resource instanceof GPUBuffer ? resource : null;
}

/** Moves tensors to GPU buffers now, so they do not take the poisoned buffer later. */
export function upload(h: GpuHarness, ...tensors: tf.Tensor[]): void {
  for (const t of tensors) h.backend.uploadToGPU(t.dataId);
}

/**
 * Leaves `count` NaN-filled buffers of `elements` float32 on top of tfjs's free list, where
 * the next allocations of that size land (an intermediate of the same size may take one, so
 * there are several). Returns them so the test can check that the output got one.
 */
export async function poisonPool(h: GpuHarness, elements: number, count = 4): Promise<Set<GPUBuffer>> {
  const poison = Array.from({ length: count }, () => tf.fill([elements], NaN));
  await Promise.all(poison.map((t) => t.data()));
  const buffers = new Set<GPUBuffer>();
  for (const t of poison) {
    const buffer = bufferOf(h, t);
    if (!buffer) throw new Error('the poison tensor has no GPU buffer');
    buffers.add(buffer);
    t.dispose();
  }
  return buffers;
}

/**
 * Runs `op` on `inputs` (uploaded first) with a NaN-poisoned pool of `elements`-float buffers;
 * the output must take one of them, so an element the kernel never writes reads back as NaN.
 * Returns the output's data.
 */
export async function runOnPoisonedPool(h: GpuHarness, elements: number, inputs: tf.Tensor[], op: () => tf.Tensor): Promise<Float32Array> {
  return checked(h, async () => {
    upload(h, ...inputs);
    const poison = await poisonPool(h, elements);
    const out = op();
    expect(poison.has(bufferOf(h, out)!), `[${out.shape}]: output should reuse a NaN-poisoned buffer`).toBe(true);
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  });
}

/**
 * Registers the hooks every kernel test file needs: start the harness once, and fail any test
 * after which an uncaptured WebGPU error was seen. Returns a getter for the harness.
 */
export function useWebGPUHarness(replay: string): () => GpuHarness {
  let h: GpuHarness | undefined;
  beforeAll(async () => {
    h = await startWebGPU();
  });
  afterEach(() => {
    expect(h!.uncaptured, `uncaptured WebGPU errors ${replay}`).toEqual([]);
  });
  return () => h!;
}
