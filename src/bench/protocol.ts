// What the benchmark page exposes on `window.benchPage`, shared with the Node driver
// (scripts/bench-ort.ts) and the e2e spec. Plain data only: everything crosses page.evaluate.

export type OursBackend = 'wasm' | 'webgpu';
export type PeerName = 'ort-wasm' | 'ort-webgpu';

/**
 * The weights both runtimes load. `fixture`: tests/fixtures/hf-tiny-bert-zh (Hugging Face files
 * and their transformers ONNX export, bundled into the page). `default`: the playground's bundled
 * model (its .bpg from public/) and an ONNX export of the same weights by train/export_onnx.py,
 * which the driver puts into the build at `BENCH_MODEL_PATHS.default.onnx`.
 */
export type BenchModelId = 'fixture' | 'default';

/** Where the page fetches the default model, relative to bench.html (in the build: dist-…/). */
export const BENCH_MODEL_PATHS = {
  default: { bpg: 'models/default/model.bpg', onnx: 'ort-models/default.onnx' },
} as const;

/** One browser context runs one pair: our engine on one backend, ORT on one execution provider. */
export interface PairSpec {
  ours: OursBackend;
  peer: PeerName;
  /** ORT's `env.wasm.numThreads` (threads above 1 need a cross-origin isolated page). */
  threads: number;
  /** Threads of our wasm backend (its default, one per core up to 4, when absent). */
  oursThreads?: number;
  /** Create the ORT session with verbose logging and report where its nodes were placed. */
  logPlacement?: boolean;
  /** Which weights; the fixture when absent. */
  model?: BenchModelId;
}

/** The model both sides loaded, as our loader read it. */
export interface ModelReport {
  id: BenchModelId;
  name: string;
  format: string;
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
  parameters: number;
  /** Sentence-vector pooling the similar-questions workload uses ('auto' choice). */
  pooling: string;
}

export interface ForwardShape {
  batch: number;
  length: number;
}

export interface EnvReport {
  userAgent: string;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  tfjsVersion: string;
  ortVersion: string;
  /** navigator.gpu's adapter, "vendor / architecture / description", or null without WebGPU. */
  adapter: string | null;
}

export interface SetupReport {
  model: ModelReport;
  ours: {
    backend: string;
    reason: string;
    adapter: string | null;
    /** Threads of our wasm backend's matrix kernels (tfjs-backend-wasm's XNNPACK pool), as in the app's compute worker. */
    threads: number;
    loadMs: number;
  };
  peer: {
    name: PeerName;
    version: string;
    executionProviders: string[];
    threads: number;
    /** `ort.env.webgpu.device` was set: the WebGPU EP really initialised (WebGPU peer only). */
    webgpuDevice: boolean | null;
    /** Node counts per execution provider, from ORT's verbose placement log (when asked). */
    placement: Record<string, number> | null;
    loadMs: number;
  };
}

export interface CheckReport {
  shape: ForwardShape;
  /** max |ours − peer| over every logit [B, L, V]. */
  maxAbsDiff: number;
  tolerance: number;
  ok: boolean;
  values: number;
}

export interface TimingReport {
  workload: string;
  /** Wall-clock ms of each timed run after warm-up, in run order. */
  ours: number[];
  peer: number[];
}

export interface KernelTime {
  name: string;
  calls: number;
  totalMs: number;
}

export interface ProfileReport {
  workload: string;
  backend: string;
  /** Wall-clock ms of the profiled run (profiling itself adds overhead). */
  wallMs: number;
  /** Sum of the kernel times, and the number of kernels run. */
  kernelMs: number;
  kernelCalls: number;
  /** Per-kernel times summed over the forward, largest first; empty if the backend has no timer. */
  kernels: KernelTime[];
  timerNote: string;
}

export interface SimilarReport {
  /** Both networks on the same decoding step and sentences before timing: max |ours − peer|. */
  maxLogitDiff: number;
  maxVectorDiff: number;
  /**
   * Ranked texts with the same seed. Sampling draws candidates in order from one generator, so a
   * single draw flipped by float rounding (the cached path rounds differently) shifts every
   * later draw: the task's list may differ while the networks agree to 1e-5.
   */
  sameRanking: boolean;
  /** Our no-cache recipe and the peer's (the same computation) ranked the same texts. */
  recomputeSameRanking: boolean;
  /** Texts in both the task's and the peer's top list. */
  sharedTop: number;
  oursTop: string[];
  peerTop: string[];
  /** Our engine's ranking through the no-cache recipe (shows how far float rounding alone moves sampling). */
  oursRecomputeTop: string[];
  candidates: number;
  ours: number[];
  peer: number[];
  /** Our engine running the same no-cache algorithm as the peer (full sequence every step). */
  oursRecompute: number[];
}

export interface PerturbedReport {
  tokens: number;
  /** Masked copies (n + n(n − 1)/2), and how the task batched them (the peer uses the same batches). */
  copies: number;
  batches: number;
  batchSize: number;
  /** max |ours − peer| over the n × n impact matrix, checked before timing. */
  maxAbsDiff: number;
  ours: number[];
  peer: number[];
}

export interface BenchPageApi {
  env(): Promise<EnvReport>;
  setup(pair: PairSpec): Promise<SetupReport>;
  /** Runs both sides once on the same inputs; timing is refused until this passed for the shape. */
  check(shape: ForwardShape): Promise<CheckReport>;
  timeForward(shape: ForwardShape, warmup: number, reps: number, peerFirst: boolean): Promise<TimingReport>;
  /** tf.profile of our side on a forward shape, or on the Perturbed Masking task. */
  profile(target: ForwardShape | 'perturbed'): Promise<ProfileReport>;
  timeSimilar(reps: number, peerFirst: boolean): Promise<SimilarReport>;
  timePerturbed(reps: number, peerFirst: boolean): Promise<PerturbedReport>;
}

declare global {
  interface Window {
    benchPage?: BenchPageApi;
  }
}

/** Max |ours − peer| allowed before the page refuses to time a workload. */
export const LOGIT_TOLERANCE = 1e-4;
