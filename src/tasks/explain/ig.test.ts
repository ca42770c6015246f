// Integrated gradients against the Hugging Face / PyTorch reference (ig_cases), on cpu and wasm.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../gpu/backend';
import { TaskError } from '../../worker/protocol';
import { quietContext, type TaskContext } from '../context';
import type { Session } from '../session';
import { attribute, combineRule, integratePath, IG_RULES, ruleWeights } from './ig';
import { prepareTarget } from './ig-targets';
import { caseTexts, expectPathMatches, fixtureSession, loadIgCases, maxAbs } from './ig.test-helpers';

const cases = loadIgCases();

describe('ruleWeights', () => {
  it('sum to 1 and put the ends where each rule wants them', () => {
    for (const rule of IG_RULES) expect(ruleWeights(rule, 50).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(ruleWeights('riemann_left', 4)).toEqual([0.25, 0.25, 0.25, 0.25, 0]);
    expect(ruleWeights('riemann_right', 4)).toEqual([0, 0.25, 0.25, 0.25, 0.25]);
    expect(ruleWeights('trapezoid', 4)).toEqual([0.125, 0.25, 0.25, 0.25, 0.125]);
  });
});

describe.each(['cpu', 'wasm'] as const)('integrated gradients on %s', (backend) => {
  let session: Session;

  beforeAll(async () => {
    await initBackend({ override: backend, gpu: null });
    expect(tf.getBackend()).toBe(backend);
    session = await fixtureSession();
  });

  afterAll(() => session?.model.dispose());

  for (const c of cases) {
    it(`matches the reference attributions of ${c.id} for every rule (batches of 7 points)`, async () => {
      const target = prepareTarget(session, { texts: caseTexts(c), maskPosition: c.mask_position, targetToken: c.target_token });
      expect(target.sequences[0]!.ids).toEqual(c.inputs.input_ids[0]);
      expect(target.targetId).toBe(c.target_id);
      const before = tf.memory().numTensors;
      const path = await integratePath(session, target, c.steps_m, 'zero', quietContext(), 7);
      expect(tf.memory().numTensors).toBe(before);
      expect(path.batches).toBe(Math.ceil(51 / 7));
      expectPathMatches(c.id, path, c);
      for (const rule of IG_RULES) {
        const [attr] = combineRule(path, rule);
        const ref = c.float32.rules[rule];
        const d = maxAbs(attr!, ref.attributions);
        expect(d, `${c.id} ${rule}: max |diff| ${d.toExponential(2)}`).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  it('attribute() reports F(x), F(x′), the sum and the completeness gap of the chosen rule', async () => {
    const c = cases[0]!;
    const r = await attribute(session, { texts: caseTexts(c), targetId: c.target_id, rule: 'riemann_right' }, quietContext());
    const ref = c.float32;
    expect(r.maskPosition).toBe(c.mask_position);
    expect(Math.abs(r.fX - ref.F_x)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(r.fBaseline - ref.F_baseline)).toBeLessThanOrEqual(1e-4);
    expect(maxAbs(r.sequences[0]!.attributions, ref.rules.riemann_right.attributions)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(r.sum - ref.rules.riemann_right.sum)).toBeLessThanOrEqual(2e-4);
    expect(Math.abs(r.completenessGap - ref.rules.riemann_right.completeness_gap)).toBeLessThanOrEqual(2e-4);
    expect(r.sequences[0]!.offsets[1]).toEqual([0, 1]); // painted over the original text
  });

  it('the trapezoid gap shrinks as the steps grow, and the pad baseline keeps special tokens at zero', async () => {
    const c = cases[1]!;
    const base = { texts: caseTexts(c), targetToken: c.target_token, rule: 'trapezoid' as const };
    const coarse = await attribute(session, { ...base, steps: 8 }, quietContext());
    const fine = await attribute(session, { ...base, steps: 64 }, quietContext());
    expect(Math.abs(fine.completenessGap)).toBeLessThan(Math.abs(coarse.completenessGap));
    const pad = await attribute(session, { ...base, steps: 16, baseline: 'pad' }, quietContext());
    const seq = pad.sequences[0]!;
    seq.tokens.forEach((tok, t) => {
      if (['[CLS]', '[SEP]', '[MASK]'].includes(tok)) expect(seq.attributions[t]).toBe(0);
    });
    expect(pad.fBaseline).not.toBeCloseTo(fine.fBaseline, 3);
  });

  it('similarity and next-sentence targets satisfy completeness', async () => {
    const sim = await attribute(session, { target: 'similarity', texts: ['今天下雨了', '记得带伞'], steps: 64 }, quietContext());
    expect(sim.sequences.map((s) => s.tokens.length)).toEqual([7, 6]);
    expect(Math.abs(sim.fX)).toBeLessThanOrEqual(1);
    expect(Math.abs(sim.completenessGap)).toBeLessThan(0.02 * Math.max(Math.abs(sim.fX - sim.fBaseline), 1e-3) + 1e-4);
    const nsp = await attribute(session, { target: 'nsp', texts: ['今天下雨了', '记得带伞'], steps: 64 }, quietContext());
    expect(nsp.sequences).toHaveLength(1);
    expect(Math.abs(nsp.completenessGap)).toBeLessThan(0.02 * Math.abs(nsp.fX - nsp.fBaseline) + 1e-4);
  });

  it('refuses a target outside the vocabulary and a text without [MASK] with TaskErrors', async () => {
    const bad = attribute(session, { texts: ['北京是中国的[MASK]都。'], targetToken: 'zzzzqqq' }, quietContext());
    await expect(bad).rejects.toBeInstanceOf(TaskError);
    await expect(bad).rejects.toThrow(/not in this model's vocabulary/);
    await expect(attribute(session, { texts: ['北京是中国的首都。'], targetToken: '首' }, quietContext())).rejects.toThrow(/no \[MASK\]/);
    await expect(attribute(session, { texts: ['[MASK]京是中国的[MASK]都。'], targetToken: '首', maskOccurrence: 2, steps: 2 }, quietContext())).rejects.toThrow(/2 \[MASK\] token/);
    const second = prepareTarget(session, { texts: ['[MASK]京是中国的[MASK]都。'], targetToken: '首', maskOccurrence: 1 });
    expect(second.maskPosition).toBe(7);
  });

  it('reports progress per batch of points and stops between batches when cancelled', async () => {
    const abort = new AbortController();
    const seen: [number, number][] = [];
    const ctx: TaskContext = { signal: abort.signal, progress: (done, total) => (seen.push([done, total]), done >= 10 && abort.abort()) };
    const before = tf.memory().numTensors;
    await expect(attribute(session, { texts: caseTexts(cases[0]!), targetToken: '首', batchSize: 5 }, ctx)).rejects.toThrow(/Cancelled/);
    expect(seen).toEqual([[5, 51], [10, 51]]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('says the MLM head is missing on weights without it', async () => {
    const headless = await fixtureSession(true);
    try {
      expect(headless.model.hasMlmHead).toBe(false);
      await expect(attribute(headless, { texts: ['北京是中国的[MASK]都。'], targetToken: '首' }, quietContext())).rejects.toThrow(/no MLM head/);
    } finally {
      headless.model.dispose();
    }
  });
});
