// Gibbs sampling on the fixture model: determinism from the seed, one position per step per
// chain, top-k and exclusions checked against conditionals computed here from the model, the
// MH energy against a position-by-position computation, acceptance bookkeeping, cancellation.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../gpu/backend';
import { CancelledError, TaskError } from '../../worker/protocol';
import { quietContext, type TaskContext } from '../context';
import { createRng } from '../decoding/rng';
import type { Session } from '../session';
import { loadFixtureSession } from './fixture-session.testutil';
import { gibbsSample, type GibbsParams, type GibbsPartial } from './gibbs';
import { energies, excludedTokens, mhLogAcceptance, proposalLogProbs } from './gibbs-core';

let session: Session;

beforeAll(async () => {
  await initBackend({ override: 'cpu', gpu: null });
  session = await loadFixtureSession();
});

afterAll(() => session.model.dispose());

interface Trace {
  partials: GibbsPartial[];
  steps: { before: number[][]; after: number[][]; positions: number[]; proposed: number[] }[];
}

async function run(params: GibbsParams, signal?: AbortSignal): Promise<Trace & { result: Awaited<ReturnType<typeof gibbsSample>> }> {
  const trace: Trace = { partials: [], steps: [] };
  const ctx: TaskContext = { signal: signal ?? new AbortController().signal, progress: (_d, _t, _u, _l, p) => p && trace.partials.push(p as GibbsPartial) };
  const result = await gibbsSample(session, params, ctx, undefined, {
    onStep: (_s, before, after, positions, proposed) => trace.steps.push({ before, after, positions, proposed }),
  });
  return { ...trace, result };
}

/** MLM logits at `pos` of `[CLS] x [SEP]` with x[pos] masked, straight from the model. */
async function maskedLogits(x: number[], pos: number): Promise<Float32Array> {
  const tok = session.tokenizer;
  const ids = [tok.clsId, ...x, tok.sepId];
  ids[pos + 1] = tok.maskId;
  const t = tf.tidy(() => {
    const { lastHidden } = session.model.forward({ inputIds: tf.tensor2d([ids], [1, ids.length], 'int32') });
    return session.model.mlmLogits(lastHidden.slice([0, pos + 1, 0], [1, 1, -1]).reshape([1, -1]) as tf.Tensor2D);
  });
  const out = (await t.data()) as Float32Array;
  t.dispose();
  return out;
}

describe('Gibbs sampling (cpu)', () => {
  it('is deterministic for a seed, and another seed gives another run', async () => {
    const params: GibbsParams = { length: 6, steps: 12, burnIn: 2, chains: 3, seed: 42 };
    const a = await run(params);
    const b = await run(params);
    expect(b.partials).toEqual(a.partials.map((p) => ({ ...p, stepsPerSecond: expect.any(Number) as unknown as number })));
    expect(b.result.chains).toEqual(a.result.chains);
    const c = await run({ ...params, seed: 43 });
    expect(c.result.chains.map((x) => x.text)).not.toEqual(a.result.chains.map((x) => x.text));
  });

  it('changes one position per step per chain, to a top-k token that is never special', async () => {
    const before = tf.memory().numTensors;
    const topK = 3;
    const { steps, partials, result } = await run({ length: 5, steps: 10, burnIn: 0, chains: 2, topK, seed: 7 });
    expect(tf.memory().numTensors).toBe(before);
    expect(steps).toHaveLength(10);
    expect(partials.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const excluded = excludedTokens(session.tokenizer);
    for (const [i, s] of steps.entries()) {
      for (let c = 0; c < 2; c++) {
        const pos = s.positions[c]!;
        const diff = s.after[c]!.flatMap((id, j) => (id !== s.before[c]![j] ? [j] : []));
        expect(diff.every((j) => j === pos)).toBe(true);
        expect(s.after[c]![pos]).toBe(s.proposed[c]);
        expect(excluded[s.proposed[c]!]).toBe(0);
        // The sampled token is among the top-k allowed tokens of the conditional computed here.
        const logits = await maskedLogits(s.before[c]!, pos);
        const allowed = [...logits.keys()].filter((id) => !excluded[id]).sort((x, y) => logits[y]! - logits[x]! || x - y);
        expect(allowed.slice(0, topK)).toContain(s.proposed[c]);
        expect(partials[i]!.chains[c]!.position).toBe(pos);
        expect(partials[i]!.chains[c]!.tokens).toEqual(session.tokenizer.convertIdsToTokens(s.after[c]!));
      }
    }
    expect(result.chains[0]!.ids).toEqual(steps.at(-1)!.after[0]);
  });

  it('visits positions in order when sequential, and counts samples only after burn-in', async () => {
    const { steps, result } = await run({ text: '今天[MASK]气', steps: 8, burnIn: 3, chains: 2, order: 'sequential', seed: 1 });
    expect(result.length).toBe(4);
    expect(steps.map((s) => s.positions)).toEqual([0, 1, 2, 3, 0, 1, 2, 3].map((p) => [p, p]));
    for (const chain of result.chains) expect(chain.samples.reduce((a, s) => a + s.count, 0)).toBe(5);
  });

  it('MH: proposals are accepted or leave the chain unchanged, the rate is in [0, 1], and the energy is the PLL', async () => {
    const before = tf.memory().numTensors;
    const { steps, partials, result } = await run({ text: '今天天气很好', steps: 10, burnIn: 0, chains: 2, mh: true, seed: 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.proposals).toBe(20); // the start text is inside the support: every proposal counts
    expect(result.accepted).toBeGreaterThan(0);
    expect(result.accepted).toBeLessThan(result.proposals); // both outcomes happen in this run
    expect(result.acceptanceRate).toBeGreaterThanOrEqual(0);
    expect(result.acceptanceRate).toBeLessThanOrEqual(1);
    expect(result.acceptanceRate).toBe(result.accepted / result.proposals);
    for (const p of partials) {
      expect(p.acceptanceRate).not.toBeNull();
      expect(p.acceptanceRate!).toBeGreaterThanOrEqual(0);
      expect(p.acceptanceRate!).toBeLessThanOrEqual(1);
    }
    const excluded = excludedTokens(session.tokenizer);
    for (const [i, s] of steps.entries()) {
      for (let c = 0; c < 2; c++) {
        const acc = partials[i]!.chains[c]!.accepted;
        expect(s.after[c]).toEqual(acc ? s.before[c]!.map((id, j) => (j === s.positions[c] ? s.proposed[c]! : id)) : s.before[c]);
        expect(s.after[c]!.every((id) => !excluded[id])).toBe(true);
      }
    }
    // E(x) = −Σ_i log p(x_i | x_{−i}), each term from its own forward here.
    for (const chain of result.chains) {
      let e = 0;
      for (let pos = 0; pos < chain.ids.length; pos++) {
        const logits = await maskedLogits(chain.ids, pos);
        const max = Math.max(...logits);
        const lse = max + Math.log(logits.reduce((a, v) => a + Math.exp(v - max), 0));
        e -= logits[chain.ids[pos]!]! - lse;
      }
      expect(Math.abs(chain.energy! - e)).toBeLessThan(1e-3);
    }
  });

  it('MH from [MASK]s accepts until the chain holds only real tokens, then counts proposals', async () => {
    const { result, partials } = await run({ length: 3, steps: 20, burnIn: 0, chains: 1, order: 'sequential', mh: true, seed: 9 });
    // Steps 1–3 fill the three [MASK]s (not counted); the 17 later proposals are.
    expect(partials.slice(0, 2).map((p) => p.acceptanceRate)).toEqual([null, null]);
    expect(result.proposals).toBe(17);
    expect(result.chains[0]!.energy).toBeGreaterThan(0);
  });

  it('scores energies in chunks exactly like one batch', async () => {
    const tok = session.tokenizer;
    const xs = [tok.encode('今天天气很好').ids.slice(1, -1), tok.encode('我们去公园吧').ids.slice(1, -1)];
    const together = await energies(session.model, tok, xs, undefined, 5); // 12 masked copies in chunks of 5
    const apart = [(await energies(session.model, tok, [xs[0]!]))[0], (await energies(session.model, tok, [xs[1]!]))[0]];
    expect(together[0]).toBeCloseTo(apart[0]!, 3);
    expect(together[1]).toBeCloseTo(apart[1]!, 3);
  });

  it('stops within one step of a cancel and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let last = 0;
    const ctx: TaskContext = {
      signal: controller.signal,
      progress: (_d, _t, _u, _l, p) => {
        last = (p as GibbsPartial).step;
        if (last === 3) controller.abort();
      },
    };
    await expect(gibbsSample(session, { length: 4, steps: 100, chains: 2, mh: true, seed: 1 }, ctx)).rejects.toBeInstanceOf(CancelledError);
    expect(last).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bad options and clamps out-of-range ones with a notice', async () => {
    await expect(gibbsSample(session, { temperature: 0 }, quietContext())).rejects.toBeInstanceOf(TaskError);
    await expect(gibbsSample(session, { order: 'backwards' as 'random' }, quietContext())).rejects.toThrow(/random.*sequential/);
    const r = await gibbsSample(session, { length: 2, steps: 3, burnIn: 10, chains: 99, seed: 1 }, quietContext(), createRng(1));
    expect(r.burnIn).toBe(2);
    expect(r.chains).toHaveLength(32);
    expect(r.notices.join(' ')).toMatch(/chains 99 is outside 1–32/);
  });
});

describe('Gibbs pieces', () => {
  it('proposalLogProbs excludes tokens, applies temperature, keeps the top k and normalises', () => {
    const excluded = Uint8Array.from([1, 0, 0, 0, 0]);
    const lp = proposalLogProbs([9, 1, 2, 3, 0], excluded, 2, 2);
    expect([...lp.slice(0, 2), lp[4]]).toEqual([-Infinity, -Infinity, -Infinity]);
    const z = Math.exp(1) + Math.exp(1.5);
    expect(lp[2]).toBeCloseTo(1 - Math.log(z), 12);
    expect(lp[3]).toBeCloseTo(1.5 - Math.log(z), 12);
  });

  it('mhLogAcceptance follows min(1, exp(ΔE/T)·q_rev/q_fwd)', () => {
    expect(mhLogAcceptance(10, 8, Math.log(0.2), Math.log(0.4), 1)).toBeCloseTo(0, 12); // ratio e²/2 > 1
    expect(mhLogAcceptance(8, 10, Math.log(0.2), Math.log(0.4), 2)).toBeCloseTo(-1 + Math.log(0.5), 12);
    expect(mhLogAcceptance(8, 8, -Infinity, Math.log(0.4), 1)).toBe(-Infinity);
  });
});
