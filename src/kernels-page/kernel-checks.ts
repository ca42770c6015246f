// One check per kernel: random inputs (with padding), the kernel on the active backend, and the
// comparison with its float64 reference from src/gpu/kernels/reference.ts. The same inputs and
// comparisons as the Dawn tests (*.webgpu.test.ts), so a failure here replays there.
import * as tf from '@tensorflow/tfjs';
import { compareToReference, randomNormal, type ErrorReport } from '../gpu/kernels/check';
import {
  DEFAULT_EPS, emptyLinearAttentionState, globalPointerScores, linearAttention, linearAttentionStep, pairDistance,
  type AttentionMode, type DistanceMetric,
} from '../gpu/kernels/index';
import {
  globalPointerRef, linearAttentionMaskedRef, linearAttentionRef, linearAttentionStepRef, pairDistanceRef,
  REFERENCE_MASKED, visibilityMatrix,
} from '../gpu/kernels/reference';
import { makeAttentionInputs, makeMasks, type AttentionCase } from '../gpu/kernels/test-data';

export interface KernelCheck {
  kernel: string;
  /** Heads of the output for a case (Efficient GlobalPointer shares one q/k head across more). */
  heads?: (c: AttentionCase) => number;
  /** Runs the kernel on the case and returns its worst comparison with the references. */
  run: (c: AttentionCase, rand: () => number) => Promise<ErrorReport>;
}

/** Keeps the worse of two reports (max errors, summed counts). */
function worst(a: ErrorReport, b: ErrorReport): ErrorReport {
  const top = b.maxRel > a.maxRel ? b : a;
  return {
    ...top,
    maxAbs: Math.max(a.maxAbs, b.maxAbs),
    nonFinite: a.nonFinite + b.nonFinite,
    sentinelMismatches: a.sentinelMismatches + b.sentinelMismatches,
  };
}

/** Runs `op`, reads its output and disposes it. */
async function readOnce(op: () => tf.Tensor): Promise<Float32Array> {
  const out = op();
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

function attentionTensors(c: AttentionCase, x: ReturnType<typeof makeAttentionInputs>) {
  const shape: [number, number, number, number] = [c.batch, c.heads, c.n, c.d]; // [B, H, N, D]
  return {
    q: tf.tensor4d(x.q, shape), k: tf.tensor4d(x.k, shape), v: tf.tensor4d(x.v, shape),
    keyMask: tf.tensor2d(x.keyMask, [c.batch, c.n]), typeIds: tf.tensor2d(x.typeIds, [c.batch, c.n]),
  };
}

/** Largest n at which the O(N²·D) explicit-mask reference is also computed (as in the Dawn tests). */
const EXPLICIT_MASK_MAX_N = 513;

function linearAttentionCheck(mode: AttentionMode): KernelCheck {
  return {
    kernel: `linearAttention ${mode}`,
    run: async (c, rand) => {
      const x = makeAttentionInputs(rand, c);
      const t = attentionTensors(c, x);
      try {
        const got = await readOnce(() => linearAttention(t.q, t.k, t.v, { mode, keyMask: t.keyMask, typeIds: t.typeIds, eps: DEFAULT_EPS }));
        let report = compareToReference(got, linearAttentionRef(x.q, x.k, x.v, c, { mode, keyMask: x.keyMask, typeIds: x.typeIds, eps: DEFAULT_EPS }));
        if (c.n <= EXPLICIT_MASK_MAX_N) {
          // The slow way too: every query against an explicit [B, N, N] visibility matrix.
          const visible = visibilityMatrix(mode, c.batch, c.n, x.keyMask, x.typeIds);
          report = worst(report, compareToReference(got, linearAttentionMaskedRef(x.q, x.k, x.v, c, visible, DEFAULT_EPS)));
        }
        return report;
      } finally {
        Object.values(t).forEach((tensor) => tensor.dispose());
      }
    },
  };
}

/** Token i of a [B, H, N, D] array as [B, H, D]. */
function tokenAt(a: Float32Array, c: AttentionCase, i: number): Float32Array {
  const out = new Float32Array(c.batch * c.heads * c.d);
  for (let bh = 0; bh < c.batch * c.heads; bh++) out.set(a.subarray((bh * c.n + i) * c.d, (bh * c.n + i + 1) * c.d), bh * c.d);
  return out;
}

/** Steps queued between two readbacks. */
const STEP_READBACK = 64;

/**
 * The decoding step, token by token from an empty state, against the float64 step reference
 * and against the rows of the causal kernel on the same inputs; then the final S and z.
 */
const stepCheck: KernelCheck = {
  kernel: 'linearAttentionStep vs causal',
  run: async (c, rand) => {
    const x = makeAttentionInputs(rand, c);
    const t = attentionTensors(c, x);
    const shape: [number, number, number] = [c.batch, c.heads, c.d]; // [B, H, D]
    const dims = { batch: c.batch, heads: c.heads, d: c.d, dv: c.d };
    let state = emptyLinearAttentionState(c.batch, c.heads, c.d);
    const outs: tf.Tensor3D[] = [];
    try {
      const causal = await readOnce(() => linearAttention(t.q, t.k, t.v, { mode: 'causal', eps: DEFAULT_EPS }));
      let refS: Float64Array = new Float64Array(c.batch * c.heads * c.d * c.d);
      let refZ: Float64Array = new Float64Array(c.batch * c.heads * c.d);
      let report = compareToReference([], []);
      const refOuts: Float64Array[] = [];
      for (let i = 0; i < c.n; i++) {
        const [qi, ki, vi] = [tokenAt(x.q, c, i), tokenAt(x.k, c, i), tokenAt(x.v, c, i)];
        const inputs = [tf.tensor3d(qi, shape), tf.tensor3d(ki, shape), tf.tensor3d(vi, shape)] as const;
        const step = linearAttentionStep(state, ...inputs, DEFAULT_EPS);
        [...inputs, state.S, state.z].forEach((tensor) => tensor.dispose());
        state = { S: step.S, z: step.z };
        outs.push(step.out);
        const ref = linearAttentionStepRef(refS, refZ, qi, ki, vi, dims, DEFAULT_EPS);
        [refS, refZ] = [ref.S, ref.z];
        refOuts.push(ref.out);
        // Steps stay queued on the GPU; their outputs are read back in batches, not one by one.
        if (outs.length === STEP_READBACK || i === c.n - 1) {
          const data = await Promise.all(outs.map((o) => o.data() as Promise<Float32Array>));
          data.forEach((got, j) => {
            const token = i - data.length + 1 + j;
            report = worst(report, compareToReference(got, refOuts[j]));
            report = worst(report, compareToReference(got, tokenAt(causal, c, token)));
          });
          outs.splice(0).forEach((o) => o.dispose());
          refOuts.length = 0;
        }
      }
      report = worst(report, compareToReference(await state.S.data(), refS));
      return worst(report, compareToReference(await state.z.data(), refZ));
    } finally {
      [...Object.values(t), ...outs, state.S, state.z].forEach((tensor) => tensor.dispose());
    }
  },
};

/** GlobalPointer; `biased` shares one q/k head across heads + 1 heads and adds start/end biases. */
function globalPointerCheck(biased: boolean): KernelCheck {
  const headsOf = (c: AttentionCase) => (biased ? c.heads + 1 : c.heads);
  return {
    kernel: biased ? 'globalPointerScores shared head + biases' : 'globalPointerScores',
    heads: headsOf,
    run: async (c, rand) => {
      const heads = headsOf(c);
      const qHeads = biased ? 1 : c.heads;
      const q = randomNormal(rand, c.batch * qHeads * c.n * c.d);
      const k = randomNormal(rand, c.batch * qHeads * c.n * c.d);
      const bs = biased ? randomNormal(rand, c.batch * heads * c.n) : undefined;
      const be = biased ? randomNormal(rand, c.batch * heads * c.n) : undefined;
      const { keyMask } = makeMasks(c.batch, c.n);
      const shape: [number, number, number, number] = [c.batch, qHeads, c.n, c.d]; // [B, HQ, N, D]
      const tensors = [tf.tensor4d(q, shape), tf.tensor4d(k, shape), tf.tensor2d(keyMask, [c.batch, c.n])] as const;
      const biases = bs && be ? [tf.tensor3d(bs, [c.batch, heads, c.n]), tf.tensor3d(be, [c.batch, heads, c.n])] : [];
      try {
        const [qt, kt, mt] = tensors;
        const opts = biases.length ? { biasStart: biases[0], biasEnd: biases[1] } : {};
        const got = await readOnce(() => globalPointerScores(qt, kt, mt, opts));
        const want = globalPointerRef(q, k, keyMask, { batch: c.batch, qHeads, heads, n: c.n, d: c.d }, bs, be);
        return compareToReference(got, want, REFERENCE_MASKED);
      } finally {
        [...tensors, ...biases].forEach((tensor) => tensor.dispose());
      }
    },
  };
}

/** a [B, N, D] against b [B, N + 5, D], with a few near-duplicate pairs where cancellation bites. */
function pairDistanceCheck(metric: DistanceMetric): KernelCheck {
  return {
    kernel: `pairDistance ${metric}`,
    run: async (c, rand) => {
      const [n, m, hidden] = [c.n, c.n === 1 ? 1 : c.n + 5, c.d];
      const a = randomNormal(rand, c.batch * n * hidden);
      const b = randomNormal(rand, c.batch * m * hidden);
      for (let x = 0; x < Math.min(n, m, 3) * hidden; x++) b[x] = a[x] + 1e-3 * (rand() - 0.5);
      const [at, bt] = [tf.tensor3d(a, [c.batch, n, hidden]), tf.tensor3d(b, [c.batch, m, hidden])];
      try {
        const got = await readOnce(() => pairDistance(at, bt, metric));
        return compareToReference(got, pairDistanceRef(a, b, { batch: c.batch, n, m, h: hidden }, metric));
      } finally {
        [at, bt].forEach((tensor) => tensor.dispose());
      }
    },
  };
}

export const KERNEL_CHECKS: KernelCheck[] = [
  linearAttentionCheck('bidirectional'),
  linearAttentionCheck('causal'),
  linearAttentionCheck('unilm'),
  stepCheck,
  globalPointerCheck(false),
  globalPointerCheck(true),
  pairDistanceCheck('euclidean'),
  pairDistanceCheck('cosine'),
];
