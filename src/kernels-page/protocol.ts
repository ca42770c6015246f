// What the kernels page publishes in `<pre id="results">` (verify) and `<pre id="bench-results">`
// (bench), read by people and by e2e/kernels.spec.ts.
import type { AdapterSummary } from '../gpu/backend-names';
import type { Row as BenchRow } from '../gpu/kernels/bench';

/** Bound on the relative error |got − want| / max(|want|, rms(want)), as in the Dawn tests. */
export const VERIFY_TOLERANCE = 1e-5;

export interface VerifyRow {
  kernel: string;
  batch: number;
  heads: number;
  n: number;
  d: number;
  /** Max relative error against the float64 reference (worst of every comparison made). */
  maxRelErr: number;
  maxAbsErr: number;
  /** NaN or ±Infinity elements in the kernel's output. */
  nonFinite: number;
  /** Masked GlobalPointer scores that are not exactly −1e12 (as float32). */
  sentinelMismatches: number;
  /** Tensors left allocated after the case (should be 0). */
  leakedTensors: number;
  /** WebGPU errors raised while the case ran (validation, out-of-memory, internal, uncaptured). */
  validationErrors: string[];
  /** An exception thrown by the kernel or the check, if any. */
  error?: string;
  ok: boolean;
  /** Wall time of the case: inputs, kernel, readback and float64 reference. */
  ms: number;
}

export interface VerifyResults {
  mode: 'verify';
  /** 'webgpu' when the WebGPU backend started; null when it could not. */
  backend: string | null;
  adapter: AdapterSummary | null;
  seed: number;
  tolerance: number;
  rows: VerifyRow[];
  /** Why the run could not start (no WebGPU, …). */
  error?: string;
  /** Set when tfjs runs on a different WebGPU device than the one `initBackend` created. */
  deviceWarning?: string;
  totalMs: number;
}

export interface BenchResults {
  mode: 'bench';
  backend: string | null;
  adapter: AdapterSummary | null;
  seed: number;
  sizes: number[];
  d: number;
  rows: BenchRow[];
  error?: string;
  deviceWarning?: string;
  totalMs: number;
}
