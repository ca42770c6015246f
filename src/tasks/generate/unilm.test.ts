// The cached UniLM decoder against the full recompute with the 3-D UniLM mask, step by step,
// through every decoding strategy (fan-out, dropped rows and beam reordering included).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../gpu/backend';
import { beamSearch, createRng, greedy, randomSample, type PredictFn } from '../decoding/decoder';
import type { Session } from '../session';
import { loadFixtureSession, loadFixtureSessionWith } from './fixture-session.testutil';
import { recomputePredict, UniLMDecoder, type KVCache, type UniLMSource } from './unilm';

let session: Session;
let source: UniLMSource;

beforeAll(async () => {
  await initBackend({ override: 'cpu', gpu: null });
  session = await loadFixtureSession();
  source = { ids: session.tokenizer.encode('今天天气怎么样').ids };
});

afterAll(() => session.model.dispose());

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Wraps the cached predict: every call is checked against the recompute on the same rows. */
function checked(decoder: UniLMDecoder, diffs: number[], rowsSeen: number[]): PredictFn<KVCache, UniLMSource> {
  const reference = recomputePredict(session.model);
  return async (inputs, outputIds, state) => {
    const cached = await decoder.predict(inputs, outputIds, state);
    const full = await reference(inputs, outputIds, null);
    rowsSeen.push(outputIds.length);
    diffs.push(Math.max(...cached.logProbs.map((row, r) => maxAbsDiff(row, full.logProbs[r]!))));
    return cached;
  };
}

describe('UniLM decoding with a key/value cache (cpu)', () => {
  it('gives the recompute logits at each of the first 10 greedy steps and frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const decoder = new UniLMDecoder(session.model, source, 10);
    const diffs: number[] = [];
    const rows: number[] = [];
    // minLength keeps the end token out so that all 10 steps run on the random fixture.
    const ids = await greedy(checked(decoder, diffs, rows), source, { endId: session.tokenizer.sepId, maxLength: 10, minLength: 10 });
    decoder.dispose();
    expect(ids).toHaveLength(10);
    expect(diffs).toHaveLength(10);
    for (const d of diffs) expect(d).toBeLessThan(1e-4);
    // After the source, each step pushed exactly one new token per row through the model.
    expect(decoder.tokensProcessed).toBe(9);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('matches the recompute through the sampling fan-out and as candidates end', async () => {
    const before = tf.memory().numTensors;
    const decoder = new UniLMDecoder(session.model, source, 8);
    const diffs: number[] = [];
    const rows: number[] = [];
    const out = await randomSample(checked(decoder, diffs, rows), source, {
      endId: session.tokenizer.sepId, maxLength: 8, n: 6, topK: 5, consistent: true, rng: createRng(7), reorder: decoder.reorder,
      // Make the end token likely enough that some candidates leave the batch early.
      temperature: 3,
    });
    decoder.dispose();
    expect(out).toHaveLength(6);
    expect(rows[0]).toBe(1); // the source is encoded once, then fanned out
    expect(rows[1]).toBe(6);
    for (const d of diffs) expect(d).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('matches the recompute under beam search reordering', async () => {
    const before = tf.memory().numTensors;
    const decoder = new UniLMDecoder(session.model, source, 6);
    const diffs: number[] = [];
    const rows: number[] = [];
    const best = await beamSearch(checked(decoder, diffs, rows), source, {
      endId: session.tokenizer.sepId, maxLength: 6, minLength: 6, beamSize: 3, nBest: 2, reorder: decoder.reorder,
    });
    decoder.dispose();
    expect(best).toHaveLength(2);
    expect(rows).toEqual([1, 3, 3, 3, 3, 3]);
    for (const d of diffs) expect(d).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees the cache when decoding is cancelled mid-run', async () => {
    const before = tf.memory().numTensors;
    const decoder = new UniLMDecoder(session.model, source, 20);
    const controller = new AbortController();
    let steps = 0;
    const run = randomSample(decoder.predict, source, {
      endId: session.tokenizer.sepId, maxLength: 20, minLength: 20, n: 4, topK: 5, rng: createRng(1), reorder: decoder.reorder,
      signal: controller.signal,
      onStep: () => {
        steps++;
        if (steps === 3) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/Cancelled/);
    expect(steps).toBe(3);
    decoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a source that leaves no room for the output, and a model without an MLM head', async () => {
    const long = { ids: new Array<number>(120).fill(session.tokenizer.unkId) };
    expect(() => new UniLMDecoder(session.model, long, 16)).toThrow(/exceed the model's 128 positions/);
    const headless = await loadFixtureSessionWith([], (n) => n.startsWith('cls.predictions'));
    try {
      expect(() => new UniLMDecoder(headless.model, source, 8)).toThrow(/no MLM head/);
    } finally {
      headless.model.dispose();
    }
  });
});

describe('tokens a generated text must never contain', () => {
  it('scores the banned ids −Infinity and leaves the others (the end token included) alone', async () => {
    const { bannedInGeneration } = await import('./gibbs-core');
    const banned = bannedInGeneration(session.tokenizer);
    const tok = session.tokenizer;
    expect(banned).toContain(tok.idToToken.indexOf('[unused1]'));
    expect(banned).toEqual(expect.arrayContaining([tok.clsId, tok.maskId, tok.padId, tok.unkId]));
    expect(banned).not.toContain(tok.sepId);
    const decoder = new UniLMDecoder(session.model, source, 4, banned);
    const out = await decoder.predict(source, [[]], null);
    decoder.dispose();
    const row = out.logProbs[0]!;
    for (const id of banned) expect(row[id]).toBe(-Infinity);
    expect(Number.isFinite(row[tok.sepId]!)).toBe(true);
    expect(Number.isFinite(row[tok.convertTokensToIds(['天'])[0]!]!)).toBe(true);
  });
});
