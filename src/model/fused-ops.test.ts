// The fused kernels of the wasm and cpu backends against float64 references and against the
// composed tfjs ops they replace, at several shapes including odd ones; their gradients against
// the composed ops' gradients. Relative error: |got − want| / max(|want|, rms(want)) (check.ts).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../gpu/backend';
import { compareToReference, describeReport, kernelSeed, randomNormal, seededRandom } from '../gpu/kernels/check';
import { ERF_P, ERF_Q, erfRational, geluErf } from '../cpu/fused-rows';
import { setSimdKernelsEnabled, simdKernelsFor } from '../cpu/fused-simd';
import { MASKED_SCORE } from './attention';
import {
  biasGelu, biasGeluOps, FUSED_KERNEL_NAMES, gatherRows, hasFusedKernel, residualLayerNorm, residualLayerNormOps, selfAttention, selfAttentionOps,
} from './fused-ops';
import { attentionRef, erfcLargeRef, erfRef, geluRef, residualLayerNormRef } from './fused-reference';
import { attentionCase, expectGeluClose } from './fused.testutil';

const seed = kernelSeed();
const rand = seededRandom(seed);
const replay = `(seed ${seed}; replay with KERNEL_SEED=${seed})`;

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  const r = compareToReference(got, want);
  const text = `${what}: ${describeReport(r)} ${replay}`;
  expect(r.nonFinite, text).toBe(0);
  expect(r.maxRel, text).toBeLessThanOrEqual(tol);
}

/** Names of the kernels `fn` runs (tf.profile), to prove the fused path was taken. */
async function kernelsRun(fn: () => tf.Tensor): Promise<string[]> {
  const info = await tf.profile(() => fn());
  info.result instanceof tf.Tensor && info.result.dispose();
  return info.kernels.map((k) => k.name);
}

describe('the JS GELU', () => {
  it('has erf to 2.5e-8 and GELU to 1.3e-8·|x| absolute over [−12, 12]', () => {
    let worstErf = 0;
    let worstGelu = 0;
    for (let i = 0; i <= 24000; i++) {
      const x = -12 + i / 1000;
      worstErf = Math.max(worstErf, Math.abs(erfRational(x) - erfRef(x)));
      worstGelu = Math.max(worstGelu, Math.abs(geluErf(x) - geluRef(x)) / Math.max(1, Math.abs(x)));
    }
    expect(worstErf).toBeLessThan(2.5e-8);
    expect(worstGelu).toBeLessThan(1.3e-8);
    expect(geluErf(0)).toBe(0);
    expect(Object.is(geluErf(-30), -0)).toBe(true);
    expect(geluErf(30)).toBe(30);
    expect(Number.isNaN(geluErf(NaN))).toBe(true);
  });

  it('the float64 reference erf agrees with known values', () => {
    expect(erfRef(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erfRef(-2)).toBeCloseTo(-0.9953222650189527, 14);
    expect(erfcLargeRef(4) / 1.541725790028002e-8).toBeCloseTo(1, 12);
  });

  it('the WGSL kernel carries the same erf coefficients', () => {
    const wgsl = readFileSync('shaders/gelu_common.wgsl', 'utf8');
    const found = Object.fromEntries([...wgsl.matchAll(/const ERF_([PQ]\d): f32 = (-?[\d.e-]+);/g)].map((m) => [m[1], Number(m[2])]));
    expect(found).toEqual({
      ...Object.fromEntries(ERF_P.map((c, i) => [`P${i}`, c])),
      ...Object.fromEntries(ERF_Q.slice(1).map((c, i) => [`Q${i + 1}`, c])),
    });
  });
});

/**
 * Error bounds per implementation: the JS loops compute in float64 and round once; the wasm
 * SIMD kernels compute in float32 (LayerNorm's sums in float64), like the WGSL kernels, and are
 * held to the WGSL kernels' bounds (fused-kernels.webgpu.test.ts). In float32, 1 + erf(t)
 * cancels in GELU's negative tail, hence the larger erf share there.
 */
const PRECISION = {
  js: { layerNorm: 2e-6, gelu: { erfError: 3e-8, ulps: 1 }, attention: 2e-6 },
  simd: { layerNorm: 1e-5, gelu: { erfError: 6e-7, ulps: 4 }, attention: 1e-5 },
} as const;

describe.each([
  { backend: 'cpu', simd: false },
  { backend: 'wasm', simd: true },
  { backend: 'wasm', simd: false },
] as const)('fused kernels on $backend (SIMD: $simd)', ({ backend, simd }) => {
  const bound = PRECISION[simd ? 'simd' : 'js'];
  beforeAll(async () => {
    await initBackend({ override: backend, gpu: null });
    expect(tf.getBackend()).toBe(backend);
    if (backend === 'wasm') setSimdKernelsEnabled(simd);
    // On wasm, the SIMD kernels must be what runs when asked for (Node and Chromium have SIMD).
    expect(simdKernelsFor(tf.backend()) !== null).toBe(simd);
  });
  afterAll(() => setSimdKernelsEnabled(true));

  it('are registered and run as one kernel each', async () => {
    // Dense stays with tfjs here: XNNPACK (wasm) already fuses the bias and activation.
    const onlyElsewhere: string[] = [FUSED_KERNEL_NAMES.dense, ...(backend === 'wasm' ? [] : [FUSED_KERNEL_NAMES.gatherRows])];
    for (const name of Object.values(FUSED_KERNEL_NAMES)) expect(hasFusedKernel(name), name).toBe(!onlyElsewhere.includes(name));
    const x = tf.randomNormal([5, 8]) as tf.Tensor2D;
    const g = tf.ones([8]) as tf.Tensor1D;
    expect(await kernelsRun(() => residualLayerNorm(x, x, g, g, 1e-12))).toEqual([FUSED_KERNEL_NAMES.residualLayerNorm]);
    expect(await kernelsRun(() => residualLayerNorm(x, null, g, g, 1e-12))).toEqual([FUSED_KERNEL_NAMES.layerNorm]);
    expect(await kernelsRun(() => biasGelu(x, g))).toEqual([FUSED_KERNEL_NAMES.biasGelu]);
    const x3 = x.reshape([1, 5, 8]) as tf.Tensor3D;
    expect(await kernelsRun(() => selfAttention(x3, x3, x3, null, 2))).toEqual([FUSED_KERNEL_NAMES.attention]);
    tf.dispose([x, g, x3]);
  });

  const jsOnWasm = backend === 'wasm' && !simd;
  it(jsOnWasm ? 'leave large LayerNorm and attention to tfjs-wasm\'s SIMD kernels' : 'run at every size', async () => {
    const x = tf.randomNormal([300, 64]) as tf.Tensor2D; // 19 200 elements
    const g = tf.ones([64]) as tf.Tensor1D;
    const x3 = tf.randomNormal([1, 64, 64]) as tf.Tensor3D; // 262 144 multiply-adds per matmul
    const large = [
      await kernelsRun(() => residualLayerNorm(x, x, g, g, 1e-12)),
      await kernelsRun(() => selfAttention(x3, x3, x3, null, 4)),
    ];
    const gelu = await kernelsRun(() => biasGelu(x, g));
    expect(gelu).toEqual([FUSED_KERNEL_NAMES.biasGelu]);
    if (jsOnWasm) {
      expect(large[0]).not.toContain(FUSED_KERNEL_NAMES.residualLayerNorm);
      expect(large[1]).not.toContain(FUSED_KERNEL_NAMES.attention);
    } else {
      expect(large).toEqual([[FUSED_KERNEL_NAMES.residualLayerNorm], [FUSED_KERNEL_NAMES.attention]]);
    }
    expect(await kernelsRun(() => residualLayerNorm(x, x, g, g, 1e-12, 'kernel'))).toEqual([FUSED_KERNEL_NAMES.residualLayerNorm]);
    tf.dispose([x, g, x3]);
  });

  it.each([
    [1, 1, 0], [3, 5, 3], [7, 64, 7], [12, 64, 4], [33, 768, 33], [6, 100, 0],
  ])('residualLayerNorm [%i, %i] with residual rows %i (0: none) matches float64 and the composed ops', async (m, h, r) => {
    const xs = randomNormal(rand, m * h, 3);
    for (let c = 0; c < h; c++) xs[c] += 100; // a row with a large mean: the variance must not cancel
    const res = r ? randomNormal(rand, r * h) : null;
    const gamma = randomNormal(rand, h);
    const beta = randomNormal(rand, h);
    for (const eps of [1e-12, 1e-5]) {
      const want = residualLayerNormRef(xs, res, gamma, beta, eps);
      const x = tf.tensor2d(xs, [m, h]);
      const rt = res ? tf.tensor2d(res, [r, h]) : null;
      const [g, b] = [tf.tensor1d(gamma), tf.tensor1d(beta)];
      const got = residualLayerNorm(x, rt, g, b, eps, 'kernel');
      const composed = residualLayerNormOps(x, rt, g, b, eps);
      expect(got.shape).toEqual([m, h]);
      expectClose(await got.data(), want, bound.layerNorm, `LayerNorm [${m}, ${h}] R=${r} eps=${eps} vs float64`);
      // The composed ops round every step to float32 (tfjs-wasm's mean too): a looser bound.
      expectClose(await got.data(), await composed.data(), 1e-4, `LayerNorm [${m}, ${h}] R=${r} vs composed`);
      tf.dispose([x, g, b, got, composed, ...(rt ? [rt] : [])]);
    }
  });

  it.each([[1, 1], [3, 7], [17, 128], [5, 3072]])('biasGelu [%i, %i] matches float64 and the composed ops', async (m, n) => {
    const xs = randomNormal(rand, m * n, 4); // reaches both tails
    const bias = randomNormal(rand, n);
    const x = tf.tensor2d(xs, [m, n]);
    const b = tf.tensor1d(bias);
    const got = biasGelu(x, b, 'kernel');
    const composed = biasGeluOps(x, b);
    expectGeluClose(await got.data(), xs, bias, bound.gelu, `biasGelu [${m}, ${n}] vs float64 ${replay}`);
    // tfjs's erf is good to ~1e-7 absolute only, so the composed GELU is judged in absolute terms.
    const r = compareToReference(await got.data(), await composed.data());
    expect(r.maxAbs, `biasGelu [${m}, ${n}] vs composed: ${describeReport(r)} ${replay}`).toBeLessThan(2e-6);
    tf.dispose([x, b, got, composed]);
  });

  it.each([
    // batch, lq, heads, headDim, mask: none | keys (padding, [B, Lk]) | full ([B, Lq, Lk], with a fully masked row)
    [1, 1, 1, 1, 'none'], [2, 5, 3, 7, 'keys'], [2, 7, 3, 12, 'full'], [1, 3, 1, 4, 'none'], [3, 16, 4, 16, 'keys'], [2, 9, 2, 32, 'full'], [4, 26, 4, 16, 'full'], [1, 128, 12, 64, 'keys'],
  ] as const)('selfAttention B=%i L=%i N=%i D=%i mask %s matches float64 and the composed ops', async (batch, l, heads, d, maskKind) => {
    const c = await attentionCase(rand, batch, l, heads, d, maskKind);
    const got = selfAttention(c.q, c.k, c.v, c.bias, heads, 'kernel');
    const composed = selfAttentionOps(c.q, c.k, c.v, c.bias, heads);
    expect(got.shape).toEqual([batch, l, heads * d]);
    expectClose(await got.data(), c.want, bound.attention, `attention B=${batch} L=${l} N=${heads} D=${d} ${maskKind} vs float64`);
    expectClose(await got.data(), await composed.data(), 1e-5, `attention vs composed`);
    tf.dispose([got, composed]);
    c.dispose();
  });

  it(simd ? 'gatherRows copies embedding rows in one kernel, exactly as tf.gather, and checks the ids' : 'gatherRows is tf.gather', async () => {
    const [vocab, h] = [37, 12];
    const table = tf.tensor2d(randomNormal(rand, vocab * h), [vocab, h]);
    const ids = tf.tensor2d([[0, 36, 5, 5], [17, 2, 0, 36]], [2, 4], 'int32');
    const got = gatherRows(table, ids);
    const want = tf.gather(table, ids);
    expect(got.shape).toEqual([2, 4, h]);
    expect(Array.from(await got.data())).toEqual(Array.from(await want.data()));
    expect(await kernelsRun(() => gatherRows(table, ids))).toEqual([simd ? FUSED_KERNEL_NAMES.gatherRows : 'GatherV2']);
    const flat = tf.tensor1d([3], 'int32');
    expect(Array.from(await gatherRows(table, flat).data())).toEqual(Array.from(await table.slice([3, 0], [1, h]).data()));
    if (simd) {
      for (const bad of [37, -1]) {
        const badIds = tf.tensor2d([[1, bad]], [1, 2], 'int32');
        expect(() => gatherRows(table, badIds)).toThrow(new RangeError(`Token id ${bad} is outside the vocabulary [0, 37) of the embedding table.`));
        badIds.dispose();
      }
    }
    expect(() => gatherRows(table, tf.tensor1d([1.5]))).toThrow(/int32/);
    // The table's gradient: dy summed into the rows the ids name (ids 0, 5 and 36 twice). Not on
    // wasm without SIMD: that is tf.gather's own, which needs a kernel tfjs-wasm lacks.
    if (backend === 'wasm' && !simd) {
      tf.dispose([table, ids, got, want, flat]);
      return;
    }
    const w = tf.tensor3d(randomNormal(rand, 2 * 4 * h), [2, 4, h]);
    const [gotGrad] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, ids), w)))([table]);
    const ws = await w.data();
    const wantGrad = new Float64Array(vocab * h);
    (await ids.data()).forEach((id, pos) => { for (let c = 0; c < h; c++) wantGrad[id * h + c]! += ws[pos * h + c]!; });
    expectClose(await gotGrad!.data(), wantGrad, 1e-6, 'gatherRows: gradient of the table');
    tf.dispose([table, ids, got, want, flat, w, gotGrad!]);
  });

  it('selfAttention broadcasts a bias shared by the batch and a cross-attention key length', async () => {
    const [batch, lq, lk, heads, d] = [3, 4, 9, 2, 5];
    const h = heads * d;
    const qs = randomNormal(rand, batch * lq * h);
    const [ks, vs] = [randomNormal(rand, batch * lk * h), randomNormal(rand, batch * lk * h)];
    const biasData = Float32Array.from({ length: lk }, (_, j) => (j === 3 ? MASKED_SCORE : 0));
    const bias = tf.tensor4d(biasData, [1, 1, 1, lk]);
    const [q, k, v] = [tf.tensor3d(qs, [batch, lq, h]), tf.tensor3d(ks, [batch, lk, h]), tf.tensor3d(vs, [batch, lk, h])];
    const got = selfAttention(q, k, v, bias, heads, 'kernel');
    const want = attentionRef(qs, ks, vs, biasData, { batch, lq, lk, heads, headDim: d, biasBatch: 1, biasRows: 1 });
    expectClose(await got.data(), want, bound.attention, 'attention, shared bias, Lq ≠ Lk');
    expect(() => selfAttention(q, k, v, tf.zeros([2, 1, 1, lk]) as tf.Tensor4D, heads)).toThrow(/bias/);
    expect(() => selfAttention(q, k, v, null, 4)).toThrow(/heads/);
    tf.dispose([q, k, v, bias, got]);
  });

  it('gradients equal those of the composed ops', async () => {
    const [m, h] = [6, 12];
    const x = tf.tensor2d(randomNormal(rand, m * h), [m, h]);
    const res = tf.tensor2d(randomNormal(rand, 3 * h), [3, h]);
    const g = tf.tensor1d(randomNormal(rand, h));
    const b = tf.tensor1d(randomNormal(rand, h));
    const w = tf.tensor2d(randomNormal(rand, m * h), [m, h]); // weights of the scalar loss
    const loss = (f: (...t: tf.Tensor[]) => tf.Tensor) => (...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), w)) as tf.Scalar;
    const pairs: [string, (...t: tf.Tensor[]) => tf.Tensor, (...t: tf.Tensor[]) => tf.Tensor, tf.Tensor[]][] = [
      ['residualLayerNorm', (a, r, gg, bb) => residualLayerNorm(a as tf.Tensor2D, r as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-12, 'kernel'),
        (a, r, gg, bb) => residualLayerNormOps(a as tf.Tensor2D, r as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-12), [x, res, g, b]],
      ['layerNorm', (a, gg, bb) => residualLayerNorm(a as tf.Tensor2D, null, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5, 'kernel'),
        (a, gg, bb) => residualLayerNormOps(a as tf.Tensor2D, null, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5), [x, g, b]],
      ['biasGelu', (a, bb) => biasGelu(a as tf.Tensor2D, bb as tf.Tensor1D, 'kernel'), (a, bb) => biasGeluOps(a as tf.Tensor2D, bb as tf.Tensor1D), [x, b]],
      ['selfAttention', (q, k, v, bias) => selfAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, bias as tf.Tensor4D, 3, 'kernel').reshape([m, h]),
        (q, k, v, bias) => selfAttentionOps(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, bias as tf.Tensor4D, 3).reshape([m, h]),
        [x.reshape([2, 3, h]), tf.reshape(tf.tensor2d(randomNormal(rand, m * h), [m, h]), [2, 3, h]), x.reshape([2, 3, h]).mul(2), tf.tensor4d([0, 0.5, -1, 2, 0, MASKED_SCORE], [2, 1, 1, 3])]],
    ];
    for (const [name, fused, composed, args] of pairs) {
      const gotGrads = tf.grads(loss(fused))(args);
      const wantGrads = tf.grads(loss(composed))(args);
      for (let i = 0; i < args.length; i++) {
        expectClose(await gotGrads[i]!.data(), await wantGrads[i]!.data(), 1e-4, `${name}: gradient of input ${i}`);
      }
      tf.dispose([...gotGrads, ...wantGrads]);
    }
    tf.dispose([x, res, g, b, w]);
  });
});
