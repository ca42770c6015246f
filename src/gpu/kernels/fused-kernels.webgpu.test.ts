// The fused BERT kernels (LayerNorm + residual, bias + GELU, self-attention) on WebGPU through
// Dawn (SwiftShader), against float64 references and against the composed tfjs ops, at several
// shapes including odd ones. Outputs land in NaN-poisoned buffers, so an unwritten element fails.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  biasGelu, biasGeluOps, dense, denseOps, FUSED_KERNEL_NAMES, hasFusedKernel, residualLayerNorm, residualLayerNormOps, selfAttention,
  selfAttentionOps, type DenseActivation,
} from '../../model/fused-ops';
import { denseRef, residualLayerNormRef } from '../../model/fused-reference';
import { attentionCase, expectGeluClose } from '../../model/fused.testutil';
import { compareToReference, describeReport, kernelSeed, randomNormal, seededRandom } from './check';
import { checked, runOnPoisonedPool, useWebGPUHarness } from './gpu-harness';

const seed = kernelSeed();
const rand = seededRandom(seed);
const replay = `(seed ${seed}; replay with KERNEL_SEED=${seed})`;

const harness = useWebGPUHarness(replay);

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  const r = compareToReference(got, want);
  const text = `${what}: ${describeReport(r)} ${replay}`;
  expect(r.nonFinite, text).toBe(0);
  expect(r.maxRel, text).toBeLessThanOrEqual(tol);
}

const runPoisoned = (elements: number, inputs: tf.Tensor[], op: () => tf.Tensor) => runOnPoisonedPool(harness(), elements, inputs, op);

describe('fused BERT kernels on WebGPU', () => {
  it('are registered for webgpu', () => {
    expect(tf.env().getBool('WEBGPU_CPU_FORWARD')).toBe(false);
    expect(hasFusedKernel(FUSED_KERNEL_NAMES.residualLayerNorm)).toBe(true);
    expect(hasFusedKernel(FUSED_KERNEL_NAMES.layerNorm)).toBe(true);
    expect(hasFusedKernel(FUSED_KERNEL_NAMES.biasGelu)).toBe(true);
    expect(hasFusedKernel(FUSED_KERNEL_NAMES.attention)).toBe(true);
    expect(hasFusedKernel(FUSED_KERNEL_NAMES.maskedAttention)).toBe(true);
    expect(hasFusedKernel(FUSED_KERNEL_NAMES.dense)).toBe(true);
  });

  it.each([
    [1, 1, 0], [3, 5, 3], [7, 64, 7], [12, 64, 4], [33, 768, 33], [130, 100, 0],
  ])('residualLayerNorm [%i, %i] with residual rows %i (0: none) matches float64 and the composed ops', async (m, hd, r) => {
    const xs = randomNormal(rand, m * hd, 3);
    for (let c = 0; c < hd; c++) xs[c] += 100; // a row with a large mean: the variance must not cancel
    const res = r ? randomNormal(rand, r * hd) : null;
    const gamma = randomNormal(rand, hd);
    const beta = randomNormal(rand, hd);
    const eps = 1e-12;
    const x = tf.tensor2d(xs, [m, hd]);
    const rt = res ? tf.tensor2d(res, [r, hd]) : null;
    const [g, b] = [tf.tensor1d(gamma), tf.tensor1d(beta)];
    const inputs = [x, g, b, ...(rt ? [rt] : [])];
    const got = await runPoisoned(m * hd, inputs, () => residualLayerNorm(x, rt, g, b, eps, 'kernel'));
    expectClose(got, residualLayerNormRef(xs, res, gamma, beta, eps), 1e-5, `LayerNorm [${m}, ${hd}] R=${r} vs float64`);
    const composed = residualLayerNormOps(x, rt, g, b, eps);
    expectClose(got, await composed.data(), 1e-4, `LayerNorm [${m}, ${hd}] R=${r} vs composed`);
    tf.dispose([...inputs, composed]);
  });

  it.each([[1, 1], [3, 7], [17, 128], [5, 3072], [129, 130]])('biasGelu [%i, %i] matches float64 and the composed ops', async (m, n) => {
    const xs = randomNormal(rand, m * n, 4); // reaches both tails
    const bias = randomNormal(rand, n);
    const x = tf.tensor2d(xs, [m, n]);
    const b = tf.tensor1d(bias);
    const got = await runPoisoned(m * n, [x, b], () => biasGelu(x, b, 'kernel'));
    // erf evaluated in float32: ~3.5e-7; the argument u/√2 and the result round too.
    expectGeluClose(got, xs, bias, { erfError: 6e-7, ulps: 4 }, `biasGelu [${m}, ${n}] vs float64 ${replay}`);
    const composed = biasGeluOps(x, b);
    const r = compareToReference(got, await composed.data());
    expect(r.maxAbs, `biasGelu [${m}, ${n}] vs composed: ${describeReport(r)} ${replay}`).toBeLessThan(2e-6);
    tf.dispose([x, b, composed]);
  });

  it.each([
    [1, 1, 1, 1, 'none'], [2, 5, 3, 7, 'keys'], [3, 16, 4, 16, 'keys'], [2, 9, 2, 32, 'full'], [4, 26, 4, 16, 'full'], [1, 130, 2, 64, 'none'],
  ] as const)('selfAttention B=%i L=%i N=%i D=%i mask %s matches float64 and the composed ops', async (batch, l, heads, d, maskKind) => {
    const hd = heads * d;
    const c = await attentionCase(rand, batch, l, heads, d, maskKind);
    const got = await runPoisoned(batch * l * hd, [c.q, c.k, c.v, ...(c.bias ? [c.bias] : [])], () => selfAttention(c.q, c.k, c.v, c.bias, heads, 'kernel'));
    expectClose(got, c.want, 1e-5, `attention B=${batch} L=${l} N=${heads} D=${d} ${maskKind} vs float64`);
    const composed = selfAttentionOps(c.q, c.k, c.v, c.bias, heads);
    expectClose(got, await composed.data(), 1e-5, 'attention vs composed');
    composed.dispose();
    c.dispose();
  });

  it.each([
    [1, 1, 1], [3, 5, 7], [17, 64, 130], [130, 33, 21], [16, 64, 21128],
  ])('dense [%i, %i]·[%i, …] matches float64 and the composed ops, every activation', async (m, k, n) => {
    const xs = randomNormal(rand, m * k);
    const ws = randomNormal(rand, k * n, 1 / Math.sqrt(k));
    const bs = randomNormal(rand, n);
    const [x, w, b] = [tf.tensor2d(xs, [m, k]), tf.tensor2d(ws, [k, n]), tf.tensor1d(bs)];
    for (const activation of ['linear', 'relu', 'gelu'] as DenseActivation[]) {
      const got = await runPoisoned(m * n, [x, w, b], () => dense(x, w, b, activation, 'kernel'));
      expectClose(got, denseRef(xs, ws, bs, m, k, activation), 1e-5, `dense [${m}, ${k}]·[${k}, ${n}] ${activation} vs float64`);
      const composed = denseOps(x, w, b, activation);
      expectClose(got, await composed.data(), 1e-5, `dense ${activation} vs composed`);
      composed.dispose();
    }
    tf.dispose([x, w, b]);
  });

  it('gradients of dense, LayerNorm, GELU and attention equal those of the composed ops', async () => {
    const [m, hd] = [6, 12];
    const x = tf.tensor2d(randomNormal(rand, m * hd), [m, hd]);
    const wt = tf.tensor2d(randomNormal(rand, hd * hd), [hd, hd]);
    const g = tf.tensor1d(randomNormal(rand, hd));
    const b = tf.tensor1d(randomNormal(rand, hd));
    const weights = tf.tensor2d(randomNormal(rand, m * hd), [m, hd]);
    const loss = (f: (...t: tf.Tensor[]) => tf.Tensor) => (...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), weights)) as tf.Scalar;
    const x3 = x.reshape([2, 3, hd]);
    const bias4 = tf.tensor4d([0, 0.5, -1, 2, 0, -3.4e38], [2, 1, 1, 3]);
    const cases: [string, (...t: tf.Tensor[]) => tf.Tensor, (...t: tf.Tensor[]) => tf.Tensor, tf.Tensor[]][] = [
      ...(['linear', 'relu', 'gelu'] as DenseActivation[]).map((act): [string, (...t: tf.Tensor[]) => tf.Tensor, (...t: tf.Tensor[]) => tf.Tensor, tf.Tensor[]] => [
        `dense ${act}`, (a, ww, bb) => dense(a as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, act, 'kernel'),
        (a, ww, bb) => denseOps(a as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, act), [x, wt, b]]),
      ['residualLayerNorm', (a, r, gg, bb) => residualLayerNorm(a as tf.Tensor2D, r as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-12, 'kernel'),
        (a, r, gg, bb) => residualLayerNormOps(a as tf.Tensor2D, r as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-12), [x, x.mul(0.5), g, b]],
      ['biasGelu', (a, bb) => biasGelu(a as tf.Tensor2D, bb as tf.Tensor1D, 'kernel'), (a, bb) => biasGeluOps(a as tf.Tensor2D, bb as tf.Tensor1D), [x, b]],
      ['selfAttention', (q, k, v) => selfAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, bias4, 3, 'kernel').reshape([m, hd]),
        (q, k, v) => selfAttentionOps(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, bias4, 3).reshape([m, hd]), [x3, x3.mul(-1), x3.mul(2)]],
    ];
    await checked(harness(), async () => {
      for (const [name, fused, composed, args] of cases) {
        const got = tf.grads(loss(fused))(args);
        const want = tf.grads(loss(composed))(args);
        for (let i = 0; i < args.length; i++) expectClose(await got[i]!.data(), await want[i]!.data(), 1e-4, `${name}: gradient of input ${i}`);
        tf.dispose([...got, ...want]);
      }
    });
    tf.dispose([x, wt, g, b, weights, x3, bias4]);
  });
});
