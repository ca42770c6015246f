// The registered generation tasks on the fixture model: `generate` with every strategy (checked
// against decoding with the full-recompute predict), and the plain-vs-consistent comparison.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../gpu/backend';
import { quietContext } from '../context';
import { beamSearch, createRng, greedy, randomSample } from '../decoding/decoder';
import type { Runtime } from '../task-types';
import { loadFixtureSession } from './fixture-session.testutil';
import { GENERATE_TASKS } from './index';
import { recomputePredict } from './unilm';

let rt: Runtime;
const TEXT = '我想去北京旅游';

beforeAll(async () => {
  await initBackend({ override: 'cpu', gpu: null });
  rt = { session: await loadFixtureSession(), backend: null };
});

afterAll(() => rt.session!.model.dispose());

describe('generation tasks (cpu)', () => {
  it('registers every generation task', () => {
    expect(Object.keys(GENERATE_TASKS).sort()).toEqual(['consistencyCheck', 'generate', 'gibbs', 'searchIndex', 'searchQuery', 'similar']);
  });

  it('refuses to run without a model', async () => {
    await expect(GENERATE_TASKS.generate({ session: null, backend: null }, { text: TEXT }, quietContext())).rejects.toThrow(/No model is loaded/);
  });

  it('greedy, beam and sampling give what the same strategies give on the full recompute', async () => {
    const s = rt.session!;
    const source = { ids: s.tokenizer.encode(TEXT).ids };
    const ref = recomputePredict(s.model);
    const endId = s.tokenizer.sepId;
    const before = tf.memory().numTensors;

    const g = await GENERATE_TASKS.generate(rt, { text: TEXT, strategy: 'greedy', maxLength: 8, minLength: 3 }, quietContext());
    expect(g.outputs[0]!.ids).toEqual(await greedy(ref, source, { endId, maxLength: 8, minLength: 3 }));
    expect(g.outputs[0]!.tokens).toEqual(s.tokenizer.convertIdsToTokens(g.outputs[0]!.ids));
    expect(g.cache).toBe('kv');

    const b = await GENERATE_TASKS.generate(rt, { text: TEXT, strategy: 'beam', maxLength: 6, beamSize: 3, nBest: 2 }, quietContext());
    const bRef = await beamSearch(ref, source, { endId, maxLength: 6, beamSize: 3, nBest: 2 });
    expect(b.outputs.map((o) => o.ids)).toEqual(bRef.map((h) => h.ids));
    expect(b.outputs[0]!.score!).toBeGreaterThanOrEqual(b.outputs[1]!.score!);

    const params = { text: TEXT, strategy: 'sample' as const, maxLength: 6, n: 4, topK: 5, topP: 0.9, temperature: 1.5, seed: 21, repetitionPenalty: 1.3, noRepeatNgramSize: 2 };
    const r = await GENERATE_TASKS.generate(rt, params, quietContext());
    const rRef = await randomSample(ref, source, { endId, maxLength: 6, n: 4, topK: 5, topP: 0.9, temperature: 1.5, rng: createRng(21), repetitionPenalty: 1.3, noRepeatNgramSize: 2 });
    expect(r.outputs.map((o) => [o.ids, o.ended])).toEqual(rRef.map((c) => [c.ids, c.ended]));
    expect(r.seed).toBe(21);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('streams the live hypotheses after every step', async () => {
    const partials: { step: number; live: string[] }[] = [];
    const ctx = { signal: new AbortController().signal, progress: (_d: number, _t: number, _u: string, _l?: string, p?: unknown) => p && partials.push(p as { step: number; live: string[] }) };
    await GENERATE_TASKS.generate(rt, { text: TEXT, strategy: 'beam', maxLength: 5, minLength: 5, beamSize: 2 }, ctx);
    expect(partials.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(partials[1]!.live).toHaveLength(2);
  });

  it('compares plain and consistent sampling on the same seed: only plain fails to end', async () => {
    const params = { text: TEXT, n: 12, topK: 5, temperature: 3, maxLength: 10, seed: 4 };
    const before = tf.memory().numTensors;
    const r = await GENERATE_TASKS.consistencyCheck(rt, params, quietContext());
    expect(tf.memory().numTensors).toBe(before);
    for (const v of [r.plain, r.consistent]) {
      expect(v.samples).toHaveLength(12);
      expect(v.hitMaxLength).toBe(v.samples.filter((x) => !x.ended).length);
    }
    // [SEP] is rarely in the top 5 of the random fixture, so plain top-k almost never ends.
    expect(r.consistent.hitMaxLength).toBeLessThan(r.plain.hitMaxLength);
    const again = await GENERATE_TASKS.consistencyCheck(rt, params, quietContext());
    expect(again).toEqual(r);
    await expect(GENERATE_TASKS.consistencyCheck(rt, { text: TEXT }, quietContext())).rejects.toThrow(/needs top-k or top-p/);
  });
});
