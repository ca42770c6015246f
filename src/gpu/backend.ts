// Backend choice: which tfjs backend runs the model, on which adapter, and why.
//
// WebGPU is used on a hardware adapter, with the adapter's own maximum limits (not the
// 128/256 MiB defaults). On a software/fallback adapter (SwiftShader) or when there is no
// adapter at all, the wasm backend is much faster, so it is the default there. An explicit
// override (`?backend=` in the page, `--backend` in the CLI) always wins.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { simdKernelsFor } from '../cpu/fused-simd';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

import type { AdapterSummary, BackendName, BackendReasonCode, BackendReport } from './backend-names';
export { BACKEND_NAMES, isBackendName, type AdapterSummary, type BackendName, type BackendReasonCode, type BackendReport } from './backend-names';

export interface BackendOptions {
  override?: BackendName | null;
  /** `navigator.gpu` or the Dawn object in Node; `null` means "no WebGPU here". */
  gpu?: GPU | null;
  /** File map for the wasm binaries (browser builds pass URLs emitted by the bundler). */
  wasmPaths?: Record<string, string>;
  /** Called when the WebGPU device is lost for a reason other than our own disposal. */
  onDeviceLost?: (info: { reason: string; message: string }) => void;
  /**
   * Threads for the wasm backend's matrix kernels where the page is cross-origin isolated
   * (default: one per logical core, at most MAX_WASM_THREADS). Takes effect on the first start
   * of the wasm backend in a page or worker.
   */
  wasmThreads?: number;
}

/** More threads than this gain little on BERT-sized matrices and starve the page. */
export const MAX_WASM_THREADS = 4;

/** The default thread count of the wasm backend: one per logical core, within [1, MAX_WASM_THREADS]. */
export function defaultWasmThreads(): number {
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(cores)));
}

// Every limit a WebGPU adapter reports; we ask for the adapter's maximum of each.
const LIMIT_NAMES = [
  'maxTextureDimension1D', 'maxTextureDimension2D', 'maxTextureDimension3D', 'maxTextureArrayLayers',
  'maxBindGroups', 'maxBindingsPerBindGroup', 'maxDynamicUniformBuffersPerPipelineLayout',
  'maxDynamicStorageBuffersPerPipelineLayout', 'maxSampledTexturesPerShaderStage',
  'maxSamplersPerShaderStage', 'maxStorageBuffersPerShaderStage', 'maxStorageTexturesPerShaderStage',
  'maxUniformBuffersPerShaderStage', 'maxUniformBufferBindingSize', 'maxStorageBufferBindingSize',
  'minUniformBufferOffsetAlignment', 'minStorageBufferOffsetAlignment', 'maxVertexBuffers',
  'maxBufferSize', 'maxVertexAttributes', 'maxVertexBufferArrayStride', 'maxInterStageShaderVariables',
  'maxColorAttachments', 'maxColorAttachmentBytesPerSample', 'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupsPerDimension',
] as const;

const OPTIONAL_FEATURES = ['timestamp-query', 'shader-f16', 'subgroups'] as const;

let currentDevice: GPUDevice | null = null;
// Devices we destroyed on purpose: their `lost` promise is not an incident.
const retiredDevices = new WeakSet<GPUDevice>();

export function summariseAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  const fallbackFlag = Boolean(
    (info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter,
  );
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  const software = fallbackFlag || /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i.test(text);
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallback: fallbackFlag,
    isSoftware: software,
  };
}

function describeAdapter(a: AdapterSummary): string {
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unnamed adapter';
}

async function requestAdapter(gpu: GPU | null | undefined): Promise<GPUAdapter | null> {
  if (!gpu) return null;
  try {
    return await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch {
    return null;
  }
}

async function startWebGPU(adapter: GPUAdapter, opts: BackendOptions): Promise<BackendReport['limits']> {
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const value = (adapter.limits as unknown as Record<string, number | undefined>)[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  currentDevice = device;
  device.lost.then((info) => {
    if (retiredDevices.has(device)) return;
    currentDevice = null;
    opts.onDeviceLost?.({ reason: info.reason, message: info.message });
  });
  // Importing tfjs-backend-webgpu registers a factory of its own (with default limits) that has
  // usually not been started yet: findBackendFactory sees it where findBackend does not.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapter.info), 3);
  // Small tensors would otherwise be computed on the CPU, behind our back.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  const granted: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const value = (device.limits as unknown as Record<string, number | undefined>)[name];
    if (typeof value === 'number') granted[name] = value;
  }
  return granted;
}

/** Picks and activates a tfjs backend. Throws an Error with a user-facing message on failure. */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendReport> {
  const gpu = opts.gpu === undefined ? (globalThis.navigator as Navigator | undefined)?.gpu : opts.gpu;
  if (opts.wasmPaths) setWasmPaths(opts.wasmPaths);
  const adapter = opts.override && opts.override !== 'webgpu' ? null : await requestAdapter(gpu);
  const summary = adapter ? summariseAdapter(adapter) : null;

  let backend: BackendName;
  let reason: string;
  let reasonCode: BackendReasonCode;
  if (opts.override) {
    backend = opts.override;
    reason = `requested explicitly (${opts.override})`;
    reasonCode = 'explicit';
    if (backend === 'webgpu' && !adapter) {
      throw new Error(
        gpu
          ? 'WebGPU was requested but no adapter is available. Try another browser or drop ?backend=webgpu.'
          : 'WebGPU was requested but this environment has no WebGPU (navigator.gpu is missing).',
      );
    }
  } else if (adapter && summary && !summary.isSoftware) {
    backend = 'webgpu';
    reason = `hardware WebGPU adapter: ${describeAdapter(summary)}`;
    reasonCode = 'hardware';
  } else if (summary) {
    backend = 'wasm';
    reason = `the WebGPU adapter is software (${describeAdapter(summary)}); wasm is faster on a CPU`;
    reasonCode = 'software';
  } else {
    backend = 'wasm';
    reason = gpu ? 'no WebGPU adapter available' : 'this environment has no WebGPU';
    reasonCode = gpu ? 'no-adapter' : 'no-webgpu';
  }

  let limits: Record<string, number> = {};
  if (backend === 'webgpu' && adapter) limits = await startWebGPU(adapter, opts);
  // Where the page is cross-origin isolated, tfjs-backend-wasm runs its threaded build (XNNPACK
  // on a pool of threads; tfjs's own default is half the cores); its pthread workers load the
  // glue that scripts/wasm-threads-plugin.ts points them to.
  if (backend === 'wasm') setThreadsCount(opts.wasmThreads ?? defaultWasmThreads());
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`The ${backend} backend failed to initialise.`);
  await tf.ready();
  return {
    backend,
    reason,
    reasonCode,
    adapter: summary,
    limits,
    features: adapter ? [...adapter.features].map(String).sort() : [],
    wasmThreads: backend === 'wasm' ? getThreadsCount() : null,
    wasmSimd: backend === 'wasm' ? simdKernelsFor(tf.backend()) !== null : null,
  };
}

/** The GPUDevice in use when the active backend is WebGPU. */
export function activeDevice(): GPUDevice | null {
  return tf.getBackend() === 'webgpu' ? currentDevice : null;
}

/** Destroys the current device as a GPU reset or driver crash would (used to test recovery). */
export function simulateDeviceLoss(): boolean {
  if (!currentDevice) return false;
  currentDevice.destroy();
  return true;
}

/** Tears down the WebGPU backend so that `initBackend` can start it again on a fresh device. */
export function disposeWebGPU(): void {
  const device = currentDevice;
  currentDevice = null;
  if (device) retiredDevices.add(device);
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  device?.destroy();
}
