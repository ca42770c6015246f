// Integrated gradients on the tfjs WebGPU backend (Dawn on SwiftShader in Node) against the
// Hugging Face reference: the backward pass runs as WebGPU kernels too. (attribute() itself,
// the other targets and the errors are covered on cpu and wasm in ig.test.ts.)
import { startDawnWebGPU } from '../../gpu/dawn.testutil';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeWebGPU } from '../../gpu/backend';
import { quietContext } from '../context';
import type { Session } from '../session';
import { combineRule, integratePath, IG_RULES } from './ig';
import { prepareTarget } from './ig-targets';
import { withoutSplitKMatMul } from '../../gpu/webgpu-matmul';
import { caseTexts, expectPathMatches, fixtureSession, loadIgCases, maxAbs } from './ig.test-helpers';

const cases = loadIgCases();

describe('integrated gradients on webgpu (Dawn)', () => {
  let session: Session;

  beforeAll(async () => {
    await startDawnWebGPU();
    session = await fixtureSession();
  });

  afterAll(() => {
    session?.model.dispose();
    disposeWebGPU();
  });

  it('withoutSplitKMatMul gives a correct a·bᵀ with a long inner dimension', async () => {
    // [3, 4000] · [64, 4000]ᵀ is what the gradient through a vocabulary projection computes.
    const vals = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));
    const a = vals(3 * 4000, 1);
    const b = vals(64 * 4000, 2);
    const expected = Array.from({ length: 3 * 64 }, (_, o) => {
      const [i, j] = [Math.floor(o / 64), o % 64];
      let s = 0;
      for (let q = 0; q < 4000; q++) s += a[i * 4000 + q]! * b[j * 4000 + q]!;
      return s;
    });
    const ta = tf.tensor2d(a, [3, 4000]);
    const tb = tf.tensor2d(b, [64, 4000]);
    const out = withoutSplitKMatMul(() => tf.matMul(ta, tb, false, true));
    const got = Array.from(await out.data());
    tf.dispose([ta, tb, out]);
    // Sums of 4000 products reach ~10³: compare relative to the size of each sum (without the
    // guard the split-K program is off by ~10² relative).
    const rel = got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!) / Math.max(1, Math.abs(expected[i]!))), 0);
    expect(rel).toBeLessThan(1e-5);
  });

  for (const c of cases) {
    it(`matches the reference attributions of ${c.id} for every rule`, async () => {
      const target = prepareTarget(session, { texts: caseTexts(c), maskPosition: c.mask_position, targetId: c.target_id });
      const before = tf.memory().numTensors;
      const path = await integratePath(session, target, c.steps_m, 'zero', quietContext(), 26);
      expect(tf.memory().numTensors).toBe(before);
      expect(path.batches).toBe(2);
      expectPathMatches(c.id, path, c);
      for (const rule of IG_RULES) {
        const d = maxAbs(combineRule(path, rule)[0]!, c.float32.rules[rule].attributions);
        expect(d, `${c.id} ${rule}: max |diff| ${d.toExponential(2)}`).toBeLessThanOrEqual(1e-4);
      }
    });
  }
});
