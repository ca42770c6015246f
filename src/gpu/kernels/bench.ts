// Timing of the WGSL kernels against tfjs compositions of the same (or, for softmax
// attention, the usual) computation, on the active WebGPU backend. A benchmark, not a test:
// correctness is checked by the *.webgpu.test.ts files; here maxErr is only a sanity check
// (sampled rows against the float64 references, relative error as in check.ts).
import * as tf from '@tensorflow/tfjs';
import { compareToReference, randomNormal, seededRandom } from './check';
import { globalPointerScores, linearAttention, pairDistance } from './index';
import { featureMap, globalPointerOps, linearAttentionOps } from './ops';
import { linearAttentionRef, REFERENCE_MASKED } from './reference';
import { ropeRotate } from './rope';

export interface Row {
  /** Our kernel and its settings. */
  kernel: string;
  /** What it is timed against. */
  peer: string;
  n: number;
  /** Max relative error of our output against float64 on sampled rows. */
  maxErr: number;
  /** Median wall time of one call, including the wait for the GPU. */
  oursMs: number;
  peerMs: number;
  /** peerMs / oursMs: above 1 means ours is faster. */
  ratio: number;
  /**
   * Process CPU time of the same calls (Node only; SwiftShader runs on the CPU, so this is
   * the GPU work and stays meaningful when other processes load the machine).
   */
  oursCpuMs?: number;
  peerCpuMs?: number;
  /** Floating-point operations of our kernel (napkin math). */
  flops: number;
  /** Compulsory global-memory traffic of our kernel in bytes: each input, intermediate and output once. */
  bytes: number;
}

export interface BenchOptions {
  sizes?: number[];
  reps?: number;
  /** Head dim (and hidden size of the distance inputs). */
  d?: number;
  /** A call slower than this is timed once instead of `reps` times. */
  slowCallMs?: number;
  seed?: number;
  onRow?: (row: Row) => void;
}

const SAMPLE_ROWS = 32;

/** Waits until every queued GPU command, including the one producing `t`, is done. */
async function settle(t: tf.Tensor): Promise<void> {
  const one = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), 0, 1));
  await one.data();
  one.dispose();
}

type CpuClock = () => number;

/** Milliseconds of CPU time used by this process so far, where the platform tells. */
const cpuClock: CpuClock | null = (() => {
  const proc = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (!proc?.cpuUsage) return null;
  return () => {
    const u = proc.cpuUsage!();
    return (u.user + u.system) / 1000;
  };
})();

interface Timing {
  wallMs: number;
  cpuMs?: number;
}

/** Median times of `run()`; the first call also compiles shaders and is not counted. */
async function timeCall(run: () => tf.Tensor, reps: number, slowCallMs: number): Promise<Timing> {
  const samples: Timing[] = [];
  let warm = true;
  for (let i = 0; i < reps + 1; i++) {
    const start = performance.now();
    const cpuStart = cpuClock?.();
    const out = run();
    await settle(out);
    const sample: Timing = { wallMs: performance.now() - start };
    if (cpuClock && cpuStart !== undefined) sample.cpuMs = cpuClock() - cpuStart;
    out.dispose();
    if (warm) {
      warm = false;
      // A call this slow is dominated by its work, not by compilation: count it and stop.
      if (sample.wallMs > slowCallMs) return sample;
      continue;
    }
    samples.push(sample);
    if (sample.wallMs > slowCallMs) break;
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const cpu = samples.map((x) => x.cpuMs).filter((x): x is number => x !== undefined);
  return { wallMs: median(samples.map((x) => x.wallMs)), cpuMs: cpu.length ? median(cpu) : undefined };
}

function rowsToCheck(n: number): number[] {
  if (n <= SAMPLE_ROWS) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: SAMPLE_ROWS }, (_, i) => Math.floor((i * (n - 1)) / (SAMPLE_ROWS - 1)));
}

/** Composed softmax attention: softmax(q kᵀ/√d) v. */
function softmaxAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(q.shape[3]))), v));
}

/** Composed bidirectional linear attention without chunking: φ(q) (φ(k)ᵀ [v | 1]). */
function composedLinearAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, n, d] = q.shape;
    const vAug = tf.concat([v, tf.ones([b, h, n, 1])], 3);
    const num = tf.matMul(featureMap(q), tf.matMul(featureMap(k), vAug, true, false)); // [B, H, N, D+1]
    return tf.div(tf.slice(num, [0, 0, 0, 0], [b, h, n, d]), tf.add(tf.slice(num, [0, 0, 0, d], [b, h, n, 1]), 1e-6)) as tf.Tensor4D;
  });
}

/** Composed euclidean distance, the usual way: sqrt(‖a‖² + ‖b‖² − 2 a·b). */
function composedEuclidean(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const sqA = tf.sum(tf.square(a), 2, true);
    const sqB = tf.transpose(tf.sum(tf.square(b), 2, true), [0, 2, 1]);
    return tf.sqrt(tf.relu(tf.sub(tf.add(sqA, sqB), tf.mul(tf.matMul(a, b, false, true), 2)))) as tf.Tensor3D;
  });
}

/** Rows `rows` of our [N, M] output against float64 computed by `refRow`. */
async function sampledError(out: tf.Tensor, m: number, rows: number[], refRow: (i: number) => Float64Array, sentinel?: number): Promise<number> {
  const data = await out.data();
  const got: number[] = [];
  const want: number[] = [];
  for (const i of rows) {
    got.push(...data.subarray(i * m, (i + 1) * m));
    want.push(...refRow(i));
  }
  return compareToReference(got, want, sentinel).maxRel;
}

interface Pair {
  kernel: string;
  peer: string;
  ours: () => tf.Tensor;
  theirs: () => tf.Tensor;
  /** Max relative error of our output (computed once, before timing). */
  error: () => Promise<number>;
  flops: number;
  bytes: number;
}

function attentionPairs(n: number, d: number, rand: () => number): { pairs: Pair[]; dispose: () => void } {
  const shape: [number, number, number, number] = [1, 1, n, d];
  const [qa, ka, va] = [randomNormal(rand, n * d), randomNormal(rand, n * d), randomNormal(rand, n * d)];
  const [q, k, v] = [tf.tensor4d(qa, shape), tf.tensor4d(ka, shape), tf.tensor4d(va, shape)];
  const ones = tf.ones([1, n]) as tf.Tensor2D;
  const e = d + 1;
  const chunk = 64;
  const linearError = (mode: 'bidirectional' | 'causal') => async () => {
    const out = linearAttention(q, k, v, { mode });
    const r = compareToReference(await out.data(), linearAttentionRef(qa, ka, va, { batch: 1, heads: 1, n, d }, { mode, eps: 1e-6 }));
    out.dispose();
    return r.maxRel;
  };
  // q, k, v, out; φ(q), φ(k) written and read; chunk sums written, read, summed.
  const bidiBytes = 4 * (8 * n * d + 3 * Math.ceil(n / chunk) * d * e);
  const pairs: Pair[] = [
    {
      kernel: 'linearAttention bidirectional', peer: 'tfjs softmax attention (matMul+softmax+matMul)',
      ours: () => linearAttention(q, k, v, { mode: 'bidirectional' }), theirs: () => softmaxAttention(q, k, v),
      error: linearError('bidirectional'), flops: 4 * n * d * e, bytes: bidiBytes,
    },
    {
      kernel: 'linearAttention bidirectional', peer: 'tfjs linear attention φ(q)(φ(k)ᵀ[v|1])',
      ours: () => linearAttention(q, k, v, { mode: 'bidirectional' }), theirs: () => composedLinearAttention(q, k, v),
      error: linearError('bidirectional'), flops: 4 * n * d * e, bytes: bidiBytes,
    },
    {
      kernel: 'linearAttention causal', peer: 'tfjs chunked causal linear attention (ops.ts)',
      ours: () => linearAttention(q, k, v, { mode: 'causal' }),
      theirs: () => linearAttentionOps(q, k, v, { mode: 'causal', keyMask: ones, typeIds: ones, eps: 1e-6 }),
      error: linearError('causal'),
      flops: 4 * n * d * e + 2 * n * chunk * (d + e),
      // as bidirectional, plus the prefix per chunk and the [N, CHUNK] score tiles.
      bytes: 4 * (8 * n * d + 4 * Math.ceil(n / chunk) * d * e + 2 * n * chunk),
    },
  ];
  return { pairs, dispose: () => [q, k, v, ones].forEach((t) => t.dispose()) };
}

function pointerPairs(n: number, d: number, rand: () => number): { pairs: Pair[]; dispose: () => void } {
  const shape: [number, number, number, number] = [1, 1, n, d];
  const [qa, ka] = [randomNormal(rand, n * d), randomNormal(rand, n * d)];
  const maskA = new Float32Array(n).map((_, i) => (i < n - Math.floor(n / 10) ? 1 : 0));
  const [q, k, mask] = [tf.tensor4d(qa, shape), tf.tensor4d(ka, shape), tf.tensor2d(maskA, [1, n])];
  const [a, b] = [tf.tensor3d(qa, [1, n, d]), tf.tensor3d(ka, [1, n, d])];
  const rows = rowsToCheck(n);
  const rotQ = new Float64Array(d);
  const rotK = new Float64Array(n * d);
  const tmp = new Float64Array(d);
  for (let j = 0; j < n; j++) {
    ropeRotate(ka, j * d, d, j, tmp);
    rotK.set(tmp, j * d);
  }
  const pointerRow = (i: number) => {
    ropeRotate(qa, i * d, d, i, rotQ);
    return Float64Array.from({ length: n }, (_, j) => {
      if (j < i || !maskA[i] || !maskA[j]) return REFERENCE_MASKED;
      let dot = 0;
      for (let r = 0; r < d; r++) dot += rotQ[r] * rotK[j * d + r];
      return dot / Math.sqrt(d);
    });
  };
  const distanceRow = (metric: 'euclidean' | 'cosine') => (i: number) => Float64Array.from({ length: n }, (_, j) => {
    let acc = 0;
    let na = 0;
    let nb = 0;
    for (let r = 0; r < d; r++) {
      const [x, y] = [qa[i * d + r], ka[j * d + r]];
      acc += metric === 'euclidean' ? (x - y) ** 2 : x * y;
      na += x * x;
      nb += y * y;
    }
    return metric === 'euclidean' ? Math.sqrt(acc) : 1 - acc / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-12);
  });
  const errorOf = (run: () => tf.Tensor, refRow: (i: number) => Float64Array, sentinel?: number) => async () => {
    const out = run();
    const err = await sampledError(out, n, rows, refRow, sentinel);
    out.dispose();
    return err;
  };
  const pairs: Pair[] = [
    {
      kernel: 'globalPointerScores', peer: 'tfjs RoPE + matMul + mask (ops.ts)',
      ours: () => globalPointerScores(q, k, mask), theirs: () => globalPointerOps(q, k, mask, {}),
      error: errorOf(() => globalPointerScores(q, k, mask), pointerRow, REFERENCE_MASKED),
      // Blocks on or above the diagonal only: ~N²/2 scores of 2D flops. q, k read; rotated
      // copies written and read; scores written.
      flops: n * n * d, bytes: 4 * (n * n + 6 * n * d),
    },
    ...(['euclidean', 'cosine'] as const).map((metric): Pair => ({
      kernel: `pairDistance ${metric}`,
      peer: metric === 'euclidean' ? 'tfjs sqrt(|a|²+|b|²−2ab)' : 'tfjs 1 − ab/(|a||b|)',
      ours: () => pairDistance(a, b, metric),
      theirs: () => (metric === 'euclidean' ? composedEuclidean(a, b) : composedCosine(a, b)),
      error: errorOf(() => pairDistance(a, b, metric), distanceRow(metric)),
      flops: (metric === 'euclidean' ? 3 : 2) * n * n * d, bytes: 4 * (n * n + 2 * n * d),
    })),
  ];
  return { pairs, dispose: () => [q, k, mask, a, b].forEach((t) => t.dispose()) };
}

function composedCosine(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const normA = tf.sqrt(tf.sum(tf.square(a), 2, true));
    const normB = tf.transpose(tf.sqrt(tf.sum(tf.square(b), 2, true)), [0, 2, 1]);
    return tf.sub(1, tf.div(tf.matMul(a, b, false, true), tf.maximum(tf.mul(normA, normB), 1e-12))) as tf.Tensor3D;
  });
}

/**
 * Times every kernel against its tfjs peer at each size (batch 1, one head, head dim d).
 * Needs the WebGPU backend to be active.
 */
export async function benchKernels(opts: BenchOptions = {}): Promise<Row[]> {
  if (tf.getBackend() !== 'webgpu') throw new Error(`benchKernels times the WebGPU kernels; the active backend is ${tf.getBackend()}.`);
  const { sizes = [128, 512, 2048, 8192], reps = 3, d = 64, slowCallMs = 20_000, seed = 1 } = opts;
  const rand = seededRandom(seed);
  const rows: Row[] = [];
  for (const n of sizes) {
    for (const build of [attentionPairs, pointerPairs]) {
      const { pairs, dispose } = build(n, d, rand);
      const errors = new Map<string, number>();
      for (const p of pairs) {
        if (!errors.has(p.kernel)) errors.set(p.kernel, await p.error());
        const ours = await timeCall(p.ours, reps, slowCallMs);
        const peer = await timeCall(p.theirs, reps, slowCallMs);
        const row: Row = {
          kernel: p.kernel, peer: p.peer, n, maxErr: errors.get(p.kernel)!,
          oursMs: ours.wallMs, peerMs: peer.wallMs, ratio: peer.wallMs / ours.wallMs,
          oursCpuMs: ours.cpuMs, peerCpuMs: peer.cpuMs, flops: p.flops, bytes: p.bytes,
        };
        rows.push(row);
        opts.onRow?.(row);
      }
      dispose();
    }
  }
  return rows;
}
