// GlobalPointer and pair-distance WGSL kernels on Dawn/SwiftShader against float64 references.
// Relative error: |got − want| / max(|want|, rms(want)) (see check.ts), bound 1e-5; masked
// GlobalPointer scores must be exactly −1e12 (as float32).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { compareToReference, describeReport, kernelSeed, randomNormal, seededRandom } from './check';
import { checked, runOnPoisonedPool, useWebGPUHarness } from './gpu-harness';
import { globalPointerScores, KernelInputError, KernelLimitError, pairDistance, type DistanceMetric } from './index';
import { globalPointerRef, pairDistanceRef, REFERENCE_MASKED } from './reference';
import { attentionCases, makeMasks } from './test-data';

const TOLERANCE = 1e-5;
const seed = kernelSeed();
const rand = seededRandom(seed);
const replay = `(seed ${seed}; replay with KERNEL_SEED=${seed})`;

const harness = useWebGPUHarness(replay);

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, sentinel?: number): void {
  const r = compareToReference(got, want, sentinel);
  const text = `${what}: ${describeReport(r)} ${replay}`;
  expect(r.nonFinite, text).toBe(0);
  expect(r.sentinelMismatches, text).toBe(0);
  expect(r.maxRel, text).toBeLessThanOrEqual(TOLERANCE);
}

const runPoisoned = (elements: number, inputs: tf.Tensor[], op: () => tf.Tensor) => runOnPoisonedPool(harness(), elements, inputs, op);

describe.each([32, 64])('globalPointerScores on WebGPU, d=%i', (d) => {
  it('matches the float64 reference at n = 1, 7, 64, 513, 2048', async () => {
    for (const c of attentionCases(d)) {
      const size = c.batch * c.heads * c.n * d;
      const q = randomNormal(rand, size);
      const k = randomNormal(rand, size);
      const { keyMask } = makeMasks(c.batch, c.n);
      const shape: [number, number, number, number] = [c.batch, c.heads, c.n, d];
      const [qt, kt, mt] = [tf.tensor4d(q, shape), tf.tensor4d(k, shape), tf.tensor2d(keyMask, [c.batch, c.n])];
      const got = await runPoisoned(c.batch * c.heads * c.n * c.n, [qt, kt, mt], () => globalPointerScores(qt, kt, mt));
      const want = globalPointerRef(q, k, keyMask, { batch: c.batch, qHeads: c.heads, heads: c.heads, n: c.n, d });
      expectClose(got, want, `GlobalPointer B=${c.batch} H=${c.heads} n=${c.n} d=${d}`, REFERENCE_MASKED);
      [qt, kt, mt].forEach((t) => t.dispose());
    }
  });
});

describe('Efficient GlobalPointer on WebGPU', () => {
  it('shares one q/k head across heads and adds start and end biases in the same pass', async () => {
    for (const [n, d, heads] of [[7, 32, 3], [64, 64, 4], [513, 64, 2]] as const) {
      const batch = 2;
      const q = randomNormal(rand, batch * n * d);
      const k = randomNormal(rand, batch * n * d);
      const bs = randomNormal(rand, batch * heads * n);
      const be = randomNormal(rand, batch * heads * n);
      const { keyMask } = makeMasks(batch, n);
      const qt = tf.tensor4d(q, [batch, 1, n, d]);
      const kt = tf.tensor4d(k, [batch, 1, n, d]);
      const mt = tf.tensor2d(keyMask, [batch, n]);
      const [bst, bet] = [tf.tensor3d(bs, [batch, heads, n]), tf.tensor3d(be, [batch, heads, n])];
      const got = await runPoisoned(batch * heads * n * n, [qt, kt, mt, bst, bet],
        () => globalPointerScores(qt, kt, mt, { biasStart: bst, biasEnd: bet }));
      const want = globalPointerRef(q, k, keyMask, { batch, qHeads: 1, heads, n, d }, bs, be);
      expectClose(got, want, `Efficient GlobalPointer n=${n} d=${d} heads=${heads}`, REFERENCE_MASKED);
      [qt, kt, mt, bst, bet].forEach((t) => t.dispose());
    }
  });
});

describe.each(['euclidean', 'cosine'] as DistanceMetric[])('pairDistance %s on WebGPU', (metric) => {
  it.each([32, 64])('matches the float64 reference at n = 1, 7, 64, 513, 2048 (hidden %i)', async (hidden) => {
    for (const c of attentionCases(hidden)) {
      const batch = c.batch;
      const [n, m] = [c.n, c.n === 1 ? 1 : c.n + 5];
      const a = randomNormal(rand, batch * n * hidden);
      const b = randomNormal(rand, batch * m * hidden);
      // A few near-duplicates, where ‖a‖² + ‖b‖² − 2a·b would cancel.
      for (let x = 0; x < Math.min(n, m, 3) * hidden; x++) b[x] = a[x] + 1e-3 * (rand() - 0.5);
      const [at, bt] = [tf.tensor3d(a, [batch, n, hidden]), tf.tensor3d(b, [batch, m, hidden])];
      const got = await runPoisoned(batch * n * m, [at, bt], () => pairDistance(at, bt, metric));
      const want = pairDistanceRef(a, b, { batch, n, m, h: hidden }, metric);
      expectClose(got, want, `${metric} B=${batch} n=${n} m=${m} hidden=${hidden}`);
      [at, bt].forEach((t) => t.dispose());
    }
  });
});

describe('pair kernel input errors on WebGPU', () => {
  it('rejects mismatched shapes and odd head dims', async () => {
    await checked(harness(), async () => {
      const q = tf.zeros([1, 2, 8, 16]) as tf.Tensor4D;
      const mask = tf.ones([1, 8]) as tf.Tensor2D;
      expect(() => globalPointerScores(q, tf.zeros([1, 2, 8, 8]) as tf.Tensor4D, mask)).toThrow(KernelInputError);
      expect(() => globalPointerScores(q, q, tf.ones([2, 8]) as tf.Tensor2D)).toThrow(/mask/);
      const odd = tf.zeros([1, 1, 8, 15]) as tf.Tensor4D;
      expect(() => globalPointerScores(odd, odd, mask)).toThrow(/even/);
      const bias = tf.zeros([1, 3, 8]) as tf.Tensor3D;
      expect(() => globalPointerScores(q, q, mask, { biasStart: bias })).toThrow(/heads/);
      const a = tf.zeros([2, 5, 16]) as tf.Tensor3D;
      expect(() => pairDistance(a, tf.zeros([2, 5, 8]) as tf.Tensor3D, 'cosine')).toThrow(KernelInputError);
      expect(() => pairDistance(a, a, 'manhattan' as DistanceMetric)).toThrow(/metric/);
      [q, mask, odd, bias, a].forEach((t) => t.dispose());
    });
  });

  it('refuses outputs larger than one GPU binding before dispatch', async () => {
    const maxBytes = Math.min(harness().device.limits.maxStorageBufferBindingSize, harness().device.limits.maxBufferSize);
    const n = Math.ceil(Math.sqrt(maxBytes / 4)) + 1; // [1, 1, n, n] float32 is just over the limit
    await checked(harness(), async () => {
      const q = tf.zeros([1, 1, n, 2]) as tf.Tensor4D;
      const mask = tf.ones([1, n]) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      expect(() => globalPointerScores(q, q, mask)).toThrow(KernelLimitError);
      expect(tf.memory().numTensors).toBe(before);
      const a = tf.zeros([1, n, 2]) as tf.Tensor3D;
      expect(() => pairDistance(a, a, 'euclidean')).toThrow(KernelLimitError);
      [q, mask, a].forEach((t) => t.dispose());
    });
  });
});
