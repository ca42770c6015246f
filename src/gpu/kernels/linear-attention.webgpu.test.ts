// Linear attention WGSL kernels on Dawn/SwiftShader against float64 references.
// Relative error: |got − want| / max(|want|, rms(want)) (see check.ts), bound 1e-5.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { compareToReference, describeReport, kernelSeed, seededRandom } from './check';
import { bufferOf, checked, poisonPool, upload, useWebGPUHarness } from './gpu-harness';
import {
  emptyLinearAttentionState, KernelInputError, KernelLimitError, LINEAR_ATTENTION_MAX_DIM, linearAttention,
  linearAttentionStep, type AttentionMode,
} from './index';
import { linearAttentionMaskedRef, linearAttentionRef, linearAttentionStepRef, visibilityMatrix } from './reference';
import { attentionCases, makeAttentionInputs, type AttentionCase, type AttentionInputs } from './test-data';

const TOLERANCE = 1e-5;
const EPS = 1e-6;
const MODES: AttentionMode[] = ['bidirectional', 'causal', 'unilm'];
const seed = kernelSeed();
const rand = seededRandom(seed);
const replay = `(seed ${seed}; replay with KERNEL_SEED=${seed})`;

const harness = useWebGPUHarness(replay);

interface Tensors {
  q: tf.Tensor4D;
  k: tf.Tensor4D;
  v: tf.Tensor4D;
  keyMask: tf.Tensor2D;
  typeIds: tf.Tensor2D;
}

function toTensors(c: AttentionCase, x: AttentionInputs): Tensors {
  const shape: [number, number, number, number] = [c.batch, c.heads, c.n, c.d];
  return {
    q: tf.tensor4d(x.q, shape), k: tf.tensor4d(x.k, shape), v: tf.tensor4d(x.v, shape),
    keyMask: tf.tensor2d(x.keyMask, [c.batch, c.n]), typeIds: tf.tensor2d(x.typeIds, [c.batch, c.n]),
  };
}

/** Runs the kernel on a poisoned pool; checks the output landed in a poisoned buffer. */
async function runPoisoned(c: AttentionCase, t: Tensors, mode: AttentionMode, keyMask = t.keyMask): Promise<Float32Array> {
  return checked(harness(), async () => {
    upload(harness(), t.q, t.k, t.v, keyMask, t.typeIds);
    const poison = await poisonPool(harness(), c.batch * c.heads * c.n * c.d);
    const out = linearAttention(t.q, t.k, t.v, { mode, keyMask, typeIds: t.typeIds, eps: EPS });
    expect(out.shape).toEqual([c.batch, c.heads, c.n, c.d]);
    expect(poison.has(bufferOf(harness(), out)!), `${mode} [${out.shape}]: output should reuse a NaN-poisoned buffer`).toBe(true);
    const got = (await out.data()) as Float32Array;
    out.dispose();
    return got;
  });
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  const r = compareToReference(got, want);
  const text = `${what}: ${describeReport(r)} ${replay}`;
  expect(r.nonFinite, text).toBe(0);
  expect(r.maxRel, text).toBeLessThanOrEqual(TOLERANCE);
}

describe.each([32, 64])('linearAttention on WebGPU, d=%i', (d) => {
  it.each(MODES)('%s matches the float64 references at n = 1, 7, 64, 513, 2048', async (mode) => {
    for (const c of attentionCases(d)) {
      const x = makeAttentionInputs(rand, c);
      const t = toTensors(c, x);
      const got = await runPoisoned(c, t, mode);
      const what = `${mode} B=${c.batch} H=${c.heads} n=${c.n} d=${d}`;
      expectClose(got, linearAttentionRef(x.q, x.k, x.v, c, { mode, keyMask: x.keyMask, typeIds: x.typeIds, eps: EPS }), what);
      if (c.n <= 513) {
        // The slow way: every query against an explicit [B, N, N] visibility matrix.
        const visible = visibilityMatrix(mode, c.batch, c.n, x.keyMask, x.typeIds);
        expectClose(got, linearAttentionMaskedRef(x.q, x.k, x.v, c, visible, EPS), `${what} (explicit mask)`);
      }
      Object.values(t).forEach((x) => x.dispose());
    }
  });
});

describe('causal and unilm agree with the bidirectional kernel under explicit masks', () => {
  it.each(['causal', 'unilm'] as const)('%s rows equal bidirectional runs masked to what each row sees', async (mode) => {
    for (const c of [{ batch: 2, heads: 3, n: 64, d: 32 }, { batch: 2, heads: 2, n: 513, d: 64 }]) {
      const x = makeAttentionInputs(rand, c);
      const t = toTensors(c, x);
      const got = await runPoisoned(c, t, mode);
      const visible = visibilityMatrix(mode, c.batch, c.n, x.keyMask, x.typeIds);
      for (const i of [0, Math.floor(c.n / 3), c.n - 1]) {
        // keyMask for row i = row i of the visibility matrix, per batch.
        const rowMask = new Float32Array(c.batch * c.n);
        for (let b = 0; b < c.batch; b++) rowMask.set(visible.subarray((b * c.n + i) * c.n, (b * c.n + i + 1) * c.n), b * c.n);
        const maskT = tf.tensor2d(rowMask, [c.batch, c.n]);
        const bidi = await runPoisoned(c, t, 'bidirectional', maskT);
        maskT.dispose();
        const rowsOf = (a: Float32Array) => {
          const rows: number[] = [];
          for (let bh = 0; bh < c.batch * c.heads; bh++) rows.push(...a.subarray((bh * c.n + i) * c.d, (bh * c.n + i + 1) * c.d));
          return rows;
        };
        expectClose(rowsOf(got), rowsOf(bidi), `${mode} row ${i} n=${c.n} vs bidirectional`);
      }
      Object.values(t).forEach((x) => x.dispose());
    }
  });
});

describe('linearAttentionStep on WebGPU', () => {
  it.each([32, 64])('reproduces the causal kernel token by token (d=%i)', async (d) => {
    const c = { batch: 2, heads: 3, n: 40, d };
    const x = makeAttentionInputs(rand, c);
    const t = toTensors(c, x);
    const causal = await checked(harness(), async () => {
      const out = linearAttention(t.q, t.k, t.v, { mode: 'causal', eps: EPS });
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    });
    let state = emptyLinearAttentionState(c.batch, c.heads, d);
    let refS: Float64Array = new Float64Array(c.batch * c.heads * d * d);
    let refZ: Float64Array = new Float64Array(c.batch * c.heads * d);
    const tokenAt = (a: Float32Array, i: number) => {
      const out = new Float32Array(c.batch * c.heads * d);
      for (let bh = 0; bh < c.batch * c.heads; bh++) out.set(a.subarray((bh * c.n + i) * d, (bh * c.n + i + 1) * d), bh * d);
      return out;
    };
    for (let i = 0; i < c.n; i++) {
      const [qi, ki, vi] = [tokenAt(x.q, i), tokenAt(x.k, i), tokenAt(x.v, i)];
      const shape: [number, number, number] = [c.batch, c.heads, d];
      const [qt, kt, vt] = [tf.tensor3d(qi, shape), tf.tensor3d(ki, shape), tf.tensor3d(vi, shape)];
      const step = await checked(harness(), async () => {
        const s = linearAttentionStep(state, qt, kt, vt, EPS);
        return { ...s, outData: (await s.out.data()) as Float32Array };
      });
      const ref = linearAttentionStepRef(refS, refZ, qi, ki, vi, { batch: c.batch, heads: c.heads, d, dv: d }, EPS);
      expectClose(step.outData, ref.out, `step ${i} vs float64`);
      expectClose(step.outData, tokenAt(causal, i), `step ${i} vs causal kernel row ${i}`);
      [qt, kt, vt, step.out, state.S, state.z].forEach((x) => x.dispose());
      state = { S: step.S, z: step.z };
      refS = ref.S;
      refZ = ref.z;
    }
    expectClose(await state.S.data(), refS, 'final S');
    expectClose(await state.z.data(), refZ, 'final z');
    state.S.dispose();
    state.z.dispose();
    Object.values(t).forEach((x) => x.dispose());
  });
});

describe('linearAttention input errors on WebGPU', () => {
  it('rejects bad shapes, a missing unilm segment, and head dims above the kernel maximum before dispatch', async () => {
    await checked(harness(), async () => {
      const q = tf.zeros([1, 2, 8, 16]) as tf.Tensor4D;
      const k = tf.zeros([1, 2, 9, 16]) as tf.Tensor4D;
      expect(() => linearAttention(q, k, q, { mode: 'bidirectional' })).toThrow(KernelInputError);
      expect(() => linearAttention(q, q, q, { mode: 'unilm' })).toThrow(/typeIds/);
      expect(() => linearAttention(q, q, q, { mode: 'causal', keyMask: tf.ones([1, 7]) as tf.Tensor2D })).toThrow(/keyMask/);
      const wide = tf.zeros([1, 1, 4, LINEAR_ATTENTION_MAX_DIM + 1]) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      expect(() => linearAttention(wide, wide, wide, { mode: 'causal' })).toThrow(KernelLimitError);
      expect(tf.memory().numTensors).toBe(before);
      [q, k, wide].forEach((x) => x.dispose());
    });
  });

  it('supports head dims that are not multiples of 4, small (tiny models) and large', async () => {
    for (const c of [{ batch: 2, heads: 4, n: 70, d: 16 }, { batch: 2, heads: 2, n: 37, d: 6 }, { batch: 1, heads: 2, n: 100, d: 130 }]) {
      const x = makeAttentionInputs(rand, c);
      const t = toTensors(c, x);
      const got = await runPoisoned(c, t, 'unilm');
      expectClose(got, linearAttentionRef(x.q, x.k, x.v, c, { mode: 'unilm', keyMask: x.keyMask, typeIds: x.typeIds, eps: EPS }), `unilm d=${c.d}`);
      Object.values(t).forEach((x) => x.dispose());
    }
  });

  it('does not leak tensors', async () => {
    const c = { batch: 1, heads: 2, n: 65, d: 32 };
    const t = toTensors(c, makeAttentionInputs(rand, c));
    const before = tf.memory().numTensors;
    for (const mode of MODES) linearAttention(t.q, t.k, t.v, { mode, typeIds: t.typeIds }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    Object.values(t).forEach((x) => x.dispose());
  });
});
