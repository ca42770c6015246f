// Perturbed Masking on the tfjs WebGPU backend (Dawn on SwiftShader): the batched copies and the
// pairDistance WGSL kernel against the definition run literally (all n² masked sentences, no
// sharing of x∖{i,j} = x∖{j,i}) with float64 distances.
import { startDawnWebGPU } from '../../gpu/dawn.testutil';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeWebGPU } from '../../gpu/backend';
import { quietContext } from '../context';
import type { Session } from '../session';
import { spanImpacts } from './perturbed-masking';
import { fixtureSession } from './ig.test-helpers';

describe('Perturbed Masking on webgpu (Dawn)', () => {
  let session: Session;

  beforeAll(async () => {
    await startDawnWebGPU();
    session = await fixtureSession();
  });

  afterAll(() => {
    session?.model.dispose();
    disposeWebGPU();
  });

  it('matches the literal definition with Euclidean distances', async () => {
    const ids = session.tokenizer.encode('北京是中国的首都').ids;
    const n = ids.length - 2;
    const spans = Array.from({ length: n }, (_, i) => [i + 1]);
    // Every masked sentence x∖{i, j} as its own row (n² rows), read at position i.
    const rows = spans.flatMap((_, i) => spans.map((__, j) => ids.map((id, t) => (t === i + 1 || t === j + 1 ? session.tokenizer.maskId : id))));
    const hidden = tf.tidy(() => session.model.forward({ inputIds: tf.tensor2d(rows, [rows.length, ids.length], 'int32') }).lastHidden);
    const h = (await hidden.array()) as number[][][];
    hidden.dispose();
    const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, k) => s + (x - b[k]!) ** 2, 0));
    const slow = spans.map((_, i) => spans.map((__, j) => (i === j ? 0 : dist(h[i * n + i]![i + 1]!, h[i * n + j]![i + 1]!))));
    const before = tf.memory().numTensors;
    const fast = await spanImpacts(session, ids, ids.map(() => 0), spans, { layer: 2, metric: 'euclidean', batchSize: 13 }, quietContext());
    expect(tf.memory().numTensors).toBe(before);
    expect(fast.batches).toBe(Math.ceil(36 / 13));
    let worst = 0;
    fast.matrix.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - slow[i]![j]!)))));
    expect(worst, `max |diff| ${worst.toExponential(2)}`).toBeLessThanOrEqual(1e-4);
  });
});
