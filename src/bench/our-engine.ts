// Our side of the comparison: the app's own backend choice and loader on the model's files (the
// fixture's Hugging Face files or the bundled .bpg), and a forward pass with the MLM logits read
// back, exactly what the tasks do.
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../gpu/backend';
import { WASM_PATHS } from '../worker/wasm-paths';
import type { ModelFile } from '../model/files';
import { loadSession, type Session } from '../tasks/session';
import type { BenchModelSource } from './assets';
import { fetchBytes } from './fetch-bytes';
import { forwardVocab, shapeLabel, type ForwardBatch, type ForwardVocab } from './inputs';
import type { KernelTime, ProfileReport, SetupReport } from './protocol';

function servedFile(name: string, url: string): ModelFile {
  return {
    name,
    size: 0,
    async read(onProgress) {
      const bytes = await fetchBytes(url);
      onProgress?.(bytes.byteLength, bytes.byteLength);
      return bytes;
    },
  };
}

export class OurEngine {
  private constructor(
    readonly session: Session,
    readonly report: SetupReport['ours'],
  ) {}

  /** Starts the backend as the app does with `?backend=` (wasm: threaded SIMD on an isolated page) and loads the model. */
  static async start(backend: BackendName, model: BenchModelSource, wasmThreads?: number): Promise<OurEngine> {
    const t0 = performance.now();
    const info = await initBackend({ override: backend, wasmPaths: WASM_PATHS, wasmThreads });
    const session = await loadSession(model.name, model.ours.map((f) => servedFile(f.name, f.url)));
    const a = info.adapter;
    return new OurEngine(session, {
      backend: info.backend,
      reason: info.reason,
      adapter: a ? [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') : null,
      threads: info.wasmThreads ?? 1,
      loadMs: performance.now() - t0,
    });
  }

  get vocabSize(): number {
    return this.session.model.config.vocabSize;
  }

  /** The ids the forward workloads are made of, from this model's tokenizer. */
  get forwardVocab(): ForwardVocab {
    return forwardVocab(this.vocabSize, this.session.tokenizer);
  }

  /** Logits [B, L, V] on the device (the caller disposes). */
  private logitsTensor(batch: ForwardBatch): tf.Tensor {
    const { batch: b, length: l } = batch.shape;
    const model = this.session.model;
    return tf.tidy(() => {
      const inputIds = tf.tensor2d(batch.ids, [b, l], 'int32');
      const typeIds = tf.tensor2d(batch.types, [b, l], 'int32');
      const attentionMask = tf.tensor2d(batch.mask, [b, l], 'int32');
      const { lastHidden } = model.forward({ inputIds, typeIds, attentionMask }); // [B, L, H]
      return model.mlmLogits(lastHidden); // [B, L, V]
    });
  }

  /** One forward with the logits read back to the CPU: [B·L·V] floats. */
  async forwardLogits(batch: ForwardBatch): Promise<Float32Array> {
    const logits = this.logitsTensor(batch);
    try {
      return (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
  }

  /** Per-kernel times of one warm forward (tf.profile), to see where the time goes. */
  async profile(batch: ForwardBatch): Promise<ProfileReport> {
    return this.profileRun(`forward ${shapeLabel(batch.shape)}`, async () => {
      const logits = this.logitsTensor(batch);
      await logits.data();
      logits.dispose();
    });
  }

  /**
   * Per-kernel times of `run`, keyed by kernel and input shapes (so the MLM decoder stands
   * apart from the other matMuls). `run` goes once untimed first: a first run at a new shape
   * compiles shaders (WebGPU) or creates XNNPACK operators (wasm).
   */
  async profileRun(workload: string, run: () => Promise<unknown>): Promise<ProfileReport> {
    await run();
    const t0 = performance.now();
    const info = await tf.profile(async () => {
      await run();
    });
    const wallMs = performance.now() - t0;
    const byName = new Map<string, KernelTime>();
    let timed = 0;
    // `name__op` entries wrap the kernels listed beside them: counting both would double the time.
    const kernelsRun = info.kernels.filter((k) => !k.name.endsWith('__op'));
    for (const k of kernelsRun) {
      const ms = await Promise.resolve(k.kernelTimeMs as number | { error: string });
      const label = `${k.name} ${k.inputShapes.filter(Boolean).map((s) => s!.join('x')).join('·')}`;
      const entry = byName.get(label) ?? { name: label, calls: 0, totalMs: 0 };
      entry.calls += 1;
      if (typeof ms === 'number') {
        entry.totalMs += ms;
        timed += 1;
      }
      byName.set(label, entry);
    }
    const kernels = [...byName.values()].sort((x, y) => y.totalMs - x.totalMs);
    return {
      workload,
      backend: tf.getBackend(),
      wallMs,
      kernelMs: kernels.reduce((a, k) => a + k.totalMs, 0),
      kernelCalls: kernelsRun.length,
      kernels,
      timerNote: timed ? `${timed} of ${kernelsRun.length} kernels timed by the backend` : 'the backend reported no kernel times',
    };
  }

  dispose(): void {
    this.session.model.dispose();
  }
}
