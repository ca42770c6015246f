// The peer: onnxruntime-web on the ONNX export of the same weights, with exactly one execution
// provider listed (with two, ORT falls back silently when the first cannot start).
import type * as Ort from 'onnxruntime-web';
import { ORT_FILES, type OrtBundle } from './assets';
import type { ForwardBatch } from './inputs';
import type { PeerName, SetupReport } from './protocol';

type OrtModule = typeof Ort;

export class PeerSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerSetupError';
  }
}

const BUNDLE: Record<PeerName, { bundle: OrtBundle; ep: string }> = {
  'ort-wasm': { bundle: 'wasm', ep: 'wasm' },
  'ort-webgpu': { bundle: 'webgpu', ep: 'webgpu' },
};

function absolute(url: string): string {
  return new URL(url, location.href).href;
}

/** Counts "Node(s) placed on [XExecutionProvider]. Number of nodes: N" lines of ORT's verbose log. */
export function parsePlacement(lines: readonly string[]): Record<string, number> | null {
  const out: Record<string, number> = {};
  let found = false;
  for (const line of lines) {
    for (const m of line.matchAll(/placed on \[(\w+)\]\.\s*Number of nodes:\s*(\d+)/g)) {
      out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
      found = true;
    }
  }
  return found ? out : null;
}

/** Runs `fn` while copying everything written to the console into `sink`. */
async function captureConsole<T>(sink: string[], fn: () => Promise<T>): Promise<T> {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  methods.forEach((m, i) => {
    console[m] = (...args: unknown[]) => {
      sink.push(args.map(String).join(' '));
      saved[i]!.apply(console, args);
    };
  });
  try {
    return await fn();
  } finally {
    methods.forEach((m, i) => (console[m] = saved[i]!));
  }
}

export class OrtPeer {
  private constructor(
    private readonly ort: OrtModule,
    readonly session: Ort.InferenceSession,
    readonly report: SetupReport['peer'],
    /** The ONNX file the session was made from (derived graphs start from it). */
    readonly model: Uint8Array,
  ) {}

  static async start(name: PeerName, threads: number, model: Uint8Array, logPlacement = false): Promise<OrtPeer> {
    const t0 = performance.now();
    const { bundle, ep } = BUNDLE[name];
    const files = ORT_FILES[bundle];
    const ort = (await import(/* @vite-ignore */ absolute(files.main))) as OrtModule;
    if (threads > 1 && !globalThis.crossOriginIsolated) {
      throw new PeerSetupError(`ORT with ${threads} threads needs a cross-origin isolated page (COOP/COEP headers); serve the build with vite preview.`);
    }
    ort.env.wasm.wasmPaths = { mjs: absolute(files.glue), wasm: absolute(files.binary) };
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = logPlacement ? 'verbose' : 'warning';
    const lines: string[] = [];
    const options: Ort.InferenceSession.SessionOptions = {
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
      ...(logPlacement ? { logSeverityLevel: 0 as const, logVerbosityLevel: 0 } : {}),
    };
    let session: Ort.InferenceSession;
    try {
      session = await captureConsole(lines, () => ort.InferenceSession.create(model, options));
    } catch (e) {
      throw new PeerSetupError(`onnxruntime-web could not start the ${ep} execution provider: ${(e as Error).message}`);
    }
    let webgpuDevice: boolean | null = null;
    if (ep === 'webgpu') {
      // Set only when the WebGPU EP initialised; with one EP listed there is no silent fallback.
      const device = await Promise.resolve(ort.env.webgpu.device).catch(() => undefined);
      webgpuDevice = Boolean(device);
      if (!webgpuDevice) throw new PeerSetupError('ORT created the session but ort.env.webgpu.device is unset: the WebGPU EP did not initialise.');
    }
    return new OrtPeer(ort, session, {
      name,
      version: ort.env.versions.web ?? ort.env.versions.common ?? 'unknown',
      executionProviders: [ep],
      threads: ort.env.wasm.numThreads ?? threads,
      webgpuDevice,
      placement: logPlacement ? parsePlacement(lines) : null,
      loadMs: performance.now() - t0,
    }, model);
  }

  /** Another session on the same runtime and execution provider (a derived graph). */
  openSession(model: Uint8Array): Promise<Ort.InferenceSession> {
    return this.ort.InferenceSession.create(model, { executionProviders: this.report.executionProviders, graphOptimizationLevel: 'all' });
  }

  int64(values: ArrayLike<number>, dims: number[]): Ort.Tensor {
    return new this.ort.Tensor('int64', BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(v)), dims);
  }

  private feeds(batch: ForwardBatch): Record<string, Ort.Tensor> {
    const dims = [batch.shape.batch, batch.shape.length];
    const int64 = (a: Int32Array) => this.int64(a, dims);
    return { input_ids: int64(batch.ids), attention_mask: int64(batch.mask), token_type_ids: int64(batch.types) };
  }

  /** One run with the logits on the CPU (the WebGPU EP's default output location is the CPU). */
  async forwardLogits(batch: ForwardBatch): Promise<Float32Array> {
    const feeds = this.feeds(batch);
    const out = await this.session.run(feeds);
    const logits = out.logits;
    if (!logits) throw new PeerSetupError('The ONNX model has no "logits" output.');
    const data = (await logits.getData()) as Float32Array;
    for (const t of Object.values(out)) t.dispose();
    return data;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
