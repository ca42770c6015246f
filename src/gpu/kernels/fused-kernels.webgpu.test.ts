// The fused BERT kernels (LayerNorm + residual, bias + GELU, self-attention) on WebGPU through
// Dawn (SwiftShader), against float64 references and against the composed tfjs ops, at several
// shapes including odd ones. Outputs land in NaN-poisoned buffers, so an unwritten element fails.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { additiveMaskBias } from '../../model/attention';
import {
  biasGelu, biasGeluOps, FUSED_KERNEL_NAMES, hasFusedKernel, residualLayerNorm, residualLayerNormOps, selfAttention, selfAttentionOps,
} from '../../model/fused-ops';
import { attentionRef, biasGeluRef, residualLayerNormRef } from '../../model/fused-reference';
import { compareToReference, describeReport, kernelSeed, randomNormal, seededRandom } from './check';
import { bufferOf, checked, poisonPool, startWebGPU, upload, type GpuHarness } from './gpu-harness';

const seed = kernelSeed();
const rand = seededRandom(seed);
const replay = `(seed ${seed}; replay with KERNEL_SEED=${seed})`;

let h: GpuHarness;

beforeAll(async () => {
  h = await startWebGPU();
});

afterEach(() => {
  expect(h.uncaptured, `uncaptured WebGPU errors ${replay}`).toEqual([]);
});

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  const r = compareToReference(got, want);
  const text = `${what}: ${describeReport(r)} ${replay}`;
  expect(r.nonFinite, text).toBe(0);
  expect(r.maxRel, text).toBeLessThanOrEqual(tol);
}

/** Runs `op` with a NaN-poisoned pool; the output must take a poisoned buffer. Returns its data. */
async function runPoisoned(elements: number, inputs: tf.Tensor[], op: () => tf.Tensor): Promise<Float32Array> {
  return checked(h, async () => {
    upload(h, ...inputs);
    const poison = await poisonPool(h, elements);
    const out = op();
    expect(poison.has(bufferOf(h, out)!), `[${out.shape}]: output should reuse a NaN-poisoned buffer`).toBe(true);
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  });
}

describe('fused BERT kernels on WebGPU', () => {
  it('are registered for webgpu', () => {
    expect(tf.env().getBool('WEBGPU_CPU_FORWARD')).toBe(false);
    expect(hasFusedKernel(FUSED_KERNEL_NAMES.residualLayerNorm)).toBe(true);
    expect(hasFusedKernel(FUSED_KERNEL_NAMES.layerNorm)).toBe(true);
    expect(hasFusedKernel(FUSED_KERNEL_NAMES.biasGelu)).toBe(true);
    expect(hasFusedKernel(FUSED_KERNEL_NAMES.attention)).toBe(true);
    expect(hasFusedKernel(FUSED_KERNEL_NAMES.maskedAttention)).toBe(true);
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
    expectClose(got, biasGeluRef(xs, bias), 5e-6, `biasGelu [${m}, ${n}] vs float64`);
    const composed = biasGeluOps(x, b);
    const r = compareToReference(got, await composed.data());
    expect(r.maxAbs, `biasGelu [${m}, ${n}] vs composed: ${describeReport(r)} ${replay}`).toBeLessThan(2e-6);
    tf.dispose([x, b, composed]);
  });

  it.each([
    [1, 1, 1, 1, 'none'], [2, 5, 3, 7, 'keys'], [3, 16, 4, 16, 'keys'], [2, 9, 2, 32, 'full'], [4, 26, 4, 16, 'full'], [1, 130, 2, 64, 'none'],
  ] as const)('selfAttention B=%i L=%i N=%i D=%i mask %s matches float64 and the composed ops', async (batch, l, heads, d, maskKind) => {
    const hd = heads * d;
    const [qs, ks, vs] = [randomNormal(rand, batch * l * hd, 0.5), randomNormal(rand, batch * l * hd, 0.5), randomNormal(rand, batch * l * hd)];
    let mask: tf.Tensor | null = null;
    if (maskKind === 'keys') {
      mask = tf.tensor2d(Array.from({ length: batch * l }, (_, i) => (i % l < l - (i / l | 0) ? 1 : 0)), [batch, l], 'int32');
    } else if (maskKind === 'full') {
      const m = Array.from({ length: batch * l * l }, () => (rand() < 0.7 ? 1 : 0));
      for (let j = 0; j < l; j++) m[l + j] = 0; // row 1 of batch 0 sees nothing: softmax is uniform there
      mask = tf.tensor3d(m, [batch, l, l], 'int32');
    }
    const bias = mask ? additiveMaskBias(mask as tf.Tensor2D | tf.Tensor3D) : null;
    const biasData = bias ? await bias.data() : null;
    const want = attentionRef(qs, ks, vs, biasData, {
      batch, lq: l, lk: l, heads, headDim: d, biasBatch: batch, biasRows: maskKind === 'full' ? l : 1,
    });
    const [q, k, v] = [qs, ks, vs].map((a) => tf.tensor3d(a, [batch, l, hd])) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    const inputs = [q, k, v, ...(bias ? [bias] : [])];
    const got = await runPoisoned(batch * l * hd, inputs, () => selfAttention(q, k, v, bias, heads, 'kernel'));
    expectClose(got, want, 1e-5, `attention B=${batch} L=${l} N=${heads} D=${d} ${maskKind} vs float64`);
    const composed = selfAttentionOps(q, k, v, bias, heads);
    expectClose(got, await composed.data(), 1e-5, 'attention vs composed');
    tf.dispose([...inputs, composed, ...(mask ? [mask] : [])]);
  });
});
