// Backend choice in Node: Dawn on SwiftShader is a software adapter, so the default is wasm;
// an explicit override gets WebGPU with the adapter's own limits, and our shader runs on it.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activeDevice, disposeWebGPU, initBackend } from './backend';
import { installNodeWebGPU } from './node-gpu';
import { gpuSelfTest } from './self-test';

let gpu: GPU | null = null;

beforeAll(async () => {
  gpu = await installNodeWebGPU();
});

describe('backend choice', () => {
  it('prefers wasm on a software adapter and says why', async () => {
    expect(gpu).not.toBeNull();
    const report = await initBackend({ gpu });
    expect(report.backend).toBe('wasm');
    expect(report.adapter?.isSoftware).toBe(true);
    expect(report.reason).toMatch(/software/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('falls back to wasm when there is no WebGPU at all', async () => {
    const report = await initBackend({ gpu: null });
    expect(report.backend).toBe('wasm');
    expect(report.reason).toBe('this environment has no WebGPU');
    // Node's tfjs-wasm is single-threaded; our SIMD kernels run on its heap.
    expect(report.wasmThreads).toBe(1);
    expect(report.wasmSimd).toBe(true);
    await expect(initBackend({ gpu: null, override: 'webgpu' })).rejects.toThrow(/no WebGPU/);
  });

  it('forced WebGPU asks for the adapter maximum limits and runs our shader and tfjs ops on the device', async () => {
    const report = await initBackend({ gpu, override: 'webgpu' });
    expect(report.backend).toBe('webgpu');
    expect([report.wasmThreads, report.wasmSimd]).toEqual([null, null]);
    // The defaults are 128 MiB / 256 MiB; the adapter offers more and we must have asked for it.
    expect(report.limits.maxStorageBufferBindingSize).toBeGreaterThan(128 * 1024 * 1024);
    expect(report.limits.maxBufferSize).toBeGreaterThan(256 * 1024 * 1024);
    expect(activeDevice()).not.toBeNull();
    const result = await gpuSelfTest();
    expect(result.shader).toEqual({ ran: true, maxError: 0, n: 1000 });
    expect(result.tfjsOp).toEqual({ maxError: 0, onGpu: true, onOurDevice: true });
    expect(result.cpuForward).toBe(false);
  });

  it('starts again on a fresh device after the old one is disposed', async () => {
    await initBackend({ gpu, override: 'webgpu' });
    const first = activeDevice();
    disposeWebGPU();
    const report = await initBackend({ gpu, override: 'webgpu' });
    expect(report.backend).toBe('webgpu');
    expect(activeDevice()).not.toBe(first);
    const x = tf.tensor1d([3, 4]);
    expect(Array.from(await x.square().data())).toEqual([9, 16]);
  });
});
