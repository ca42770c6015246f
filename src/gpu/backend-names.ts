// Backend names and the report type, without importing tfjs (the page's main thread uses these).
export const BACKEND_NAMES = ['webgpu', 'wasm', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallback: boolean;
  isSoftware: boolean;
}

export type BackendReasonCode = 'explicit' | 'hardware' | 'software' | 'no-adapter' | 'no-webgpu';

export interface BackendReport {
  backend: BackendName;
  /** Why this backend was chosen, in plain words (English). */
  reason: string;
  /** The same as a code, for UIs that translate it. */
  reasonCode: BackendReasonCode;
  adapter: AdapterSummary | null;
  /** Device limits actually granted (WebGPU only). */
  limits: Record<string, number>;
  features: string[];
  /** Threads the wasm backend's matrix kernels run on (1 unless the page is cross-origin isolated); null on other backends. */
  wasmThreads: number | null;
  /** Whether the wasm backend runs our WebAssembly SIMD kernels (else their JS fallback); null on other backends. */
  wasmSimd: boolean | null;
}

export function isBackendName(value: string | null | undefined): value is BackendName {
  return value != null && (BACKEND_NAMES as readonly string[]).includes(value);
}
