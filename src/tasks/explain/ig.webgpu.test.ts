// Integrated gradients on the tfjs WebGPU backend (Dawn on SwiftShader in Node) against the
// Hugging Face reference: the backward pass runs as WebGPU kernels too.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeWebGPU, initBackend } from '../../gpu/backend';
import { installNodeWebGPU } from '../../gpu/node-gpu';
import { quietContext } from '../context';
import type { Session } from '../session';
import { attribute, combineRule, integratePath, IG_RULES } from './ig';
import { prepareTarget } from './ig-targets';
import { caseTexts, expectPathMatches, fixtureSession, loadIgCases, maxAbs } from './ig.test-helpers';

const cases = loadIgCases();

describe('integrated gradients on webgpu (Dawn)', () => {
  let session: Session;

  beforeAll(async () => {
    const gpu = await installNodeWebGPU();
    if (!gpu) throw new Error('The `webgpu` package (Dawn) could not be loaded: install it and a Vulkan loader (libvulkan1).');
    await initBackend({ gpu, override: 'webgpu' });
    expect(tf.getBackend()).toBe('webgpu');
    expect(tf.env().getBool('WEBGPU_CPU_FORWARD')).toBe(false);
    session = await fixtureSession();
  });

  afterAll(() => {
    session?.model.dispose();
    disposeWebGPU();
  });

  for (const c of cases) {
    it(`matches the reference attributions of ${c.id} for every rule`, async () => {
      const target = prepareTarget(session, { texts: caseTexts(c), maskPosition: c.mask_position, targetId: c.target_id });
      const path = await integratePath(session, target, c.steps_m, 'zero', quietContext(), 26);
      expect(path.batches).toBe(2);
      expectPathMatches(c.id, path, c);
      for (const rule of IG_RULES) {
        const d = maxAbs(combineRule(path, rule)[0]!, c.float32.rules[rule].attributions);
        expect(d, `${c.id} ${rule}: max |diff| ${d.toExponential(2)}`).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  it('attribute() gives F(x) and F(x′) of the reference and leaves no tensors behind', async () => {
    const c = cases[0]!;
    const before = tf.memory().numTensors;
    const r = await attribute(session, { texts: caseTexts(c), targetToken: c.target_token }, quietContext());
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(r.fX - c.float32.F_x)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(r.fBaseline - c.float32.F_baseline)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(r.completenessGap - c.float32.rules.trapezoid.completeness_gap)).toBeLessThanOrEqual(1e-4);
  });
});
