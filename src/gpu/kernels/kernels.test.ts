// The tfjs-ops implementations (wasm, cpu, webgl backends) against the float64 references,
// on the wasm backend (the CPU default) and the cpu backend.
// Relative error: |got − want| / max(|want|, rms(want)), bound 1e-5.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { compareToReference, describeReport, kernelSeed, randomNormal, seededRandom } from './check';
import {
  emptyLinearAttentionState, globalPointerScores, KernelInputError, linearAttention, linearAttentionStep,
  pairDistance, type AttentionMode, type DistanceMetric,
} from './index';
import {
  globalPointerRef, linearAttentionMaskedRef, linearAttentionRef, linearAttentionStepRef, pairDistanceRef,
  REFERENCE_MASKED, visibilityMatrix,
} from './reference';
import { attentionCases, makeAttentionInputs, makeMasks } from './test-data';

const TOLERANCE = 1e-5;
const EPS = 1e-6;
const seed = kernelSeed();
const rand = seededRandom(seed);
const replay = `(seed ${seed}; replay with KERNEL_SEED=${seed})`;

const WASM_DIR = new URL('../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname;
const WASM_PATHS = Object.fromEntries(
  ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => [f, WASM_DIR + f]),
);

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, sentinel?: number): void {
  const r = compareToReference(got, want, sentinel);
  const text = `${what}: ${describeReport(r)} ${replay}`;
  expect(r.nonFinite, text).toBe(0);
  expect(r.sentinelMismatches, text).toBe(0);
  expect(r.maxRel, text).toBeLessThanOrEqual(TOLERANCE);
}

describe.each(['wasm', 'cpu'] as const)('%s backend', (backend) => {
  beforeAll(async () => {
    await initBackend({ override: backend, gpu: null, wasmPaths: WASM_PATHS });
    expect(tf.getBackend()).toBe(backend);
  });

  describe.each([32, 64])('linearAttention, d=%i', (d) => {
    it.each(['bidirectional', 'causal', 'unilm'] as AttentionMode[])('%s matches the float64 references', async (mode) => {
      for (const c of attentionCases(d)) {
        const x = makeAttentionInputs(rand, c);
        const shape: [number, number, number, number] = [c.batch, c.heads, c.n, c.d];
        const t = [tf.tensor4d(x.q, shape), tf.tensor4d(x.k, shape), tf.tensor4d(x.v, shape)] as const;
        const [mask, types] = [tf.tensor2d(x.keyMask, [c.batch, c.n]), tf.tensor2d(x.typeIds, [c.batch, c.n])];
        const out = linearAttention(t[0], t[1], t[2], { mode, keyMask: mask, typeIds: types, eps: EPS });
        expect(out.shape).toEqual(shape);
        const got = await out.data();
        const what = `${mode} B=${c.batch} H=${c.heads} n=${c.n} d=${d}`;
        expectClose(got, linearAttentionRef(x.q, x.k, x.v, c, { mode, keyMask: x.keyMask, typeIds: x.typeIds, eps: EPS }), what);
        if (c.n <= 513) {
          const visible = visibilityMatrix(mode, c.batch, c.n, x.keyMask, x.typeIds);
          expectClose(got, linearAttentionMaskedRef(x.q, x.k, x.v, c, visible, EPS), `${what} (explicit mask)`);
        }
        [...t, mask, types, out].forEach((x) => x.dispose());
      }
    });
  });

  describe('linearAttentionStep', () => {
    it('reproduces the causal output token by token and the float64 state', async () => {
      const c = { batch: 2, heads: 3, n: 30, d: 32 };
      const x = makeAttentionInputs(rand, c);
      const shape: [number, number, number, number] = [c.batch, c.heads, c.n, c.d];
      const [q, k, v] = [tf.tensor4d(x.q, shape), tf.tensor4d(x.k, shape), tf.tensor4d(x.v, shape)];
      const causal = await linearAttention(q, k, v, { mode: 'causal', eps: EPS }).data();
      let state = emptyLinearAttentionState(c.batch, c.heads, c.d);
      let refS: Float64Array = new Float64Array(c.batch * c.heads * c.d * c.d);
      let refZ: Float64Array = new Float64Array(c.batch * c.heads * c.d);
      for (let i = 0; i < c.n; i++) {
        const token = (a: Float32Array) => {
          const out = new Float32Array(c.batch * c.heads * c.d);
          for (let bh = 0; bh < c.batch * c.heads; bh++) out.set(a.subarray((bh * c.n + i) * c.d, (bh * c.n + i + 1) * c.d), bh * c.d);
          return out;
        };
        const [qi, ki, vi] = [token(x.q), token(x.k), token(x.v)];
        const s3: [number, number, number] = [c.batch, c.heads, c.d];
        const step = linearAttentionStep(state, tf.tensor3d(qi, s3), tf.tensor3d(ki, s3), tf.tensor3d(vi, s3), EPS);
        const ref = linearAttentionStepRef(refS, refZ, qi, ki, vi, { batch: c.batch, heads: c.heads, d: c.d, dv: c.d }, EPS);
        const got = await step.out.data();
        expectClose(got, ref.out, `step ${i}`);
        expectClose(got, token(causal as Float32Array), `step ${i} vs causal row`);
        state = { S: step.S, z: step.z };
        refS = ref.S;
        refZ = ref.z;
      }
      expectClose(await state.S.data(), refS, 'final S');
      expectClose(await state.z.data(), refZ, 'final z');
    });
  });

  describe.each([32, 64])('globalPointerScores, d=%i', (d) => {
    it('matches the float64 reference, plain and Efficient (shared head + biases)', async () => {
      for (const c of attentionCases(d)) {
        const q = randomNormal(rand, c.batch * c.heads * c.n * d);
        const k = randomNormal(rand, c.batch * c.heads * c.n * d);
        const { keyMask } = makeMasks(c.batch, c.n);
        const shape: [number, number, number, number] = [c.batch, c.heads, c.n, d];
        const got = await globalPointerScores(tf.tensor4d(q, shape), tf.tensor4d(k, shape), tf.tensor2d(keyMask, [c.batch, c.n])).data();
        const want = globalPointerRef(q, k, keyMask, { batch: c.batch, qHeads: c.heads, heads: c.heads, n: c.n, d });
        expectClose(got, want, `GlobalPointer B=${c.batch} H=${c.heads} n=${c.n}`, REFERENCE_MASKED);
        if (c.n > 513) continue;
        const shared: [number, number, number, number] = [c.batch, 1, c.n, d];
        const [bs, be] = [randomNormal(rand, c.batch * c.heads * c.n), randomNormal(rand, c.batch * c.heads * c.n)];
        const q1 = q.subarray(0, c.batch * c.n * d);
        const k1 = k.subarray(0, c.batch * c.n * d);
        const eff = await globalPointerScores(tf.tensor4d(q1, shared), tf.tensor4d(k1, shared), tf.tensor2d(keyMask, [c.batch, c.n]), {
          biasStart: tf.tensor3d(bs, [c.batch, c.heads, c.n]), biasEnd: tf.tensor3d(be, [c.batch, c.heads, c.n]),
        }).data();
        const effWant = globalPointerRef(q1, k1, keyMask, { batch: c.batch, qHeads: 1, heads: c.heads, n: c.n, d }, bs, be);
        expectClose(eff, effWant, `Efficient GlobalPointer n=${c.n}`, REFERENCE_MASKED);
      }
    });
  });

  describe.each(['euclidean', 'cosine'] as DistanceMetric[])('pairDistance %s', (metric) => {
    it.each([32, 64])('matches the float64 reference, including near-duplicates (hidden %i)', async (hidden) => {
      for (const c of attentionCases(hidden)) {
        // tfjs-cpu broadcasts elementwise ops ~100× slower than wasm, so the euclidean
        // distance (explicit differences, B·N·M·H elements) runs n ≥ 513 on wasm only.
        if (backend === 'cpu' && metric === 'euclidean' && c.n >= 513) continue;
        const [n, m] = [c.n, c.n === 1 ? 1 : c.n + 5];
        const a = randomNormal(rand, c.batch * n * hidden);
        const b = randomNormal(rand, c.batch * m * hidden);
        for (let x = 0; x < Math.min(n, m, 3) * hidden; x++) b[x] = a[x] + 1e-3 * (rand() - 0.5);
        const got = await pairDistance(tf.tensor3d(a, [c.batch, n, hidden]), tf.tensor3d(b, [c.batch, m, hidden]), metric).data();
        expectClose(got, pairDistanceRef(a, b, { batch: c.batch, n, m, h: hidden }, metric), `${metric} n=${n} m=${m}`);
      }
    });
  });

  describe('input errors', () => {
    it('are the same typed errors as on WebGPU', () => {
      const q = tf.zeros([1, 2, 8, 16]) as tf.Tensor4D;
      expect(() => linearAttention(q, tf.zeros([1, 2, 8, 8]) as tf.Tensor4D, q, { mode: 'causal' })).toThrow(KernelInputError);
      expect(() => linearAttention(q, q, q, { mode: 'sideways' as AttentionMode })).toThrow(/mode/);
      expect(() => globalPointerScores(q, q, tf.ones([1, 9]) as tf.Tensor2D)).toThrow(KernelInputError);
      expect(() => pairDistance(tf.zeros([1, 3, 4]) as tf.Tensor3D, tf.zeros([2, 3, 4]) as tf.Tensor3D, 'cosine')).toThrow(KernelInputError);
    });
  });
});
