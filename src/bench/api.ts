// The page's state and the API the driver calls: one pair of runtimes per page (a fresh browser
// context per pass), a correctness check per workload, then timing only of checked workloads.
import * as tf from '@tensorflow/tfjs';
import { summariseAdapter } from '../gpu/backend';
import { BENCH_MODELS, ORT_PACKAGE_VERSION } from './assets';
import { fetchBytes } from './fetch-bytes';
import { makeForwardBatch, maxAbsDiff, shapeKey, shapeLabel } from './inputs';
import { OrtPeer } from './ort-peer';
import { OurEngine } from './our-engine';
import {
  LOGIT_TOLERANCE,
  type BenchPageApi,
  type CheckReport,
  type EnvReport,
  type ForwardShape,
  type ModelReport,
  type PairSpec,
  type SetupReport,
  type TimingReport,
} from './protocol';
import { runOursPerturbed, timePerturbedPair } from './perturbed-pair';
import { resolvePooling } from '../tasks/generate/sentence-embed';
import { timeSimilarPair } from './similar-pair';

export class BenchRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchRefusedError';
  }
}

interface Pair {
  spec: PairSpec;
  ours: OurEngine;
  peer: OrtPeer;
  report: SetupReport;
}

async function adapterText(): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return null;
  const a = summariseAdapter(adapter);
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') + (a.isSoftware ? ' (software)' : '');
}

/** Runs `fn` `warmup` times untimed, then `reps` times timed; wall-clock ms per timed run. */
async function timeRuns(fn: () => Promise<unknown>, warmup: number, reps: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

export function createBenchApi(onLog: (line: string) => void): BenchPageApi {
  let pair: Pair | null = null;
  const checked = new Map<string, CheckReport>();

  const need = (): Pair => {
    if (!pair) throw new BenchRefusedError('Call setup() first: no runtimes are loaded in this page.');
    return pair;
  };

  /** End-to-end workloads run only once the plain forward agreed (they check their own outputs too). */
  const needChecked = (): Pair => {
    const p = need();
    const verdicts = [...checked.values()];
    if (verdicts.length === 0 || verdicts.some((v) => !v.ok)) {
      throw new BenchRefusedError('Run check() on at least one shape (all passing) before timing an end-to-end workload.');
    }
    return p;
  };

  return {
    async env(): Promise<EnvReport> {
      return {
        userAgent: navigator.userAgent,
        crossOriginIsolated: globalThis.crossOriginIsolated === true,
        hardwareConcurrency: navigator.hardwareConcurrency,
        tfjsVersion: tf.version.tfjs,
        ortVersion: ORT_PACKAGE_VERSION,
        adapter: await adapterText(),
      };
    },

    async setup(spec: PairSpec): Promise<SetupReport> {
      if (pair) throw new BenchRefusedError('This page already holds a pair of runtimes; open a fresh page for another pair.');
      const id = spec.model ?? 'fixture';
      const source = BENCH_MODELS[id];
      if (!source) throw new BenchRefusedError(`Unknown model "${String(id)}": use ${Object.keys(BENCH_MODELS).join(' or ')}.`);
      const onnx = await fetchBytes(source.onnx, source.onnxHint);
      const ours = await OurEngine.start(spec.ours, source, spec.oursThreads);
      const peer = await OrtPeer.start(spec.peer, spec.threads, onnx, spec.logPlacement ?? false);
      const s = ours.session.summary;
      const model: ModelReport = {
        id, name: s.name, format: s.format, layers: s.layers, hidden: s.hidden, heads: s.heads, intermediate: s.intermediate, vocab: s.vocab, parameters: s.parameters,
        pooling: resolvePooling(ours.session),
      };
      const report: SetupReport = { model, ours: ours.report, peer: peer.report };
      pair = { spec, ours, peer, report };
      onLog(`model ${id} (${s.layers} layers, hidden ${s.hidden}, vocab ${s.vocab}); loaded ours on ${ours.report.backend} (${ours.report.loadMs.toFixed(0)} ms), ${spec.peer} ${peer.report.version} ×${peer.report.threads} threads (${peer.report.loadMs.toFixed(0)} ms)`);
      return report;
    },

    async check(shape: ForwardShape): Promise<CheckReport> {
      const p = need();
      const batch = makeForwardBatch(shape, p.ours.forwardVocab);
      const a = await p.ours.forwardLogits(batch);
      const b = await p.peer.forwardLogits(batch);
      const diff = maxAbsDiff(a, b);
      const report: CheckReport = { shape, maxAbsDiff: diff, tolerance: LOGIT_TOLERANCE, ok: diff <= LOGIT_TOLERANCE, values: a.length };
      checked.set(shapeKey(shape), report);
      onLog(`check ${shapeLabel(shape)}: max |Δlogit| = ${diff.toExponential(2)} over ${a.length} values → ${report.ok ? 'same' : 'DIFFERENT, timing refused'}`);
      return report;
    },

    async timeForward(shape, warmup, reps, peerFirst): Promise<TimingReport> {
      const p = need();
      const verdict = checked.get(shapeKey(shape));
      if (!verdict) throw new BenchRefusedError(`${shapeLabel(shape)} has not been checked: call check() first; timing is refused until both sides agree.`);
      if (!verdict.ok) throw new BenchRefusedError(`${shapeLabel(shape)}: the logits differ by ${verdict.maxAbsDiff} (> ${LOGIT_TOLERANCE}); timing is refused.`);
      const batch = makeForwardBatch(shape, p.ours.forwardVocab);
      const runOurs = () => timeRuns(() => p.ours.forwardLogits(batch), warmup, reps);
      const runPeer = () => timeRuns(() => p.peer.forwardLogits(batch), warmup, reps);
      let ours: number[];
      let peer: number[];
      if (peerFirst) {
        peer = await runPeer();
        ours = await runOurs();
      } else {
        ours = await runOurs();
        peer = await runPeer();
      }
      onLog(`timed ${shapeLabel(shape)}: ours ${ours.map((t) => t.toFixed(1)).join(' ')} | peer ${peer.map((t) => t.toFixed(1)).join(' ')}`);
      return { workload: `forward ${shapeLabel(shape)}`, ours, peer };
    },

    async profile(target) {
      const p = need();
      if (target === 'perturbed') return p.ours.profileRun('perturbed masking', () => runOursPerturbed(p.ours));
      return p.ours.profile(makeForwardBatch(target, p.ours.forwardVocab));
    },

    async timeSimilar(reps, peerFirst) {
      const p = needChecked();
      return timeSimilarPair(p.ours, p.peer, reps, peerFirst, onLog);
    },

    async timePerturbed(reps, peerFirst) {
      const p = needChecked();
      return timePerturbedPair(p.ours, p.peer, reps, peerFirst, onLog);
    },
  };
}
