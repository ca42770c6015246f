// Batched Perturbed Masking against a slow reference that runs one forward per perturbation
// and measures distances in float64.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../gpu/backend';
import { TaskError } from '../../worker/protocol';
import { quietContext, type TaskContext } from '../context';
import type { Session } from '../session';
import { impactMatrix } from './impact-matrix';
import { spanImpacts } from './perturbed-masking';
import { fixtureSession } from './ig.test-helpers';

type Metric = 'euclidean' | 'cosine';

function distance(a: number[], b: number[], metric: Metric): number {
  if (metric === 'euclidean') return Math.sqrt(a.reduce((s, x, k) => s + (x - b[k]!) ** 2, 0));
  const dot = a.reduce((s, x, k) => s + x * b[k]!, 0);
  const na = Math.sqrt(a.reduce((s, x) => s + x * x, 0));
  const nb = Math.sqrt(b.reduce((s, x) => s + x * x, 0));
  return 1 - dot / Math.max(na * nb, 1e-12);
}

/** Layer-`layer` vectors of one masked copy, averaged over `span`: one full forward each. */
async function spanVector(session: Session, ids: number[], masked: number[], span: number[], layer: number): Promise<number[]> {
  const row = ids.map((id, t) => (masked.includes(t) ? session.tokenizer.maskId : id));
  const out = tf.tidy(() => {
    const f = session.model.forward({ inputIds: tf.tensor2d([row], [1, row.length], 'int32'), outputHiddenStates: true });
    return f.hiddenStates[layer - 1]!.squeeze([0]);
  });
  const hidden = (await out.array()) as number[][];
  out.dispose();
  const h = hidden[0]!.length;
  return Array.from({ length: h }, (_, k) => span.reduce((s, t) => s + hidden[t]![k]!, 0) / span.length);
}

/** f(S_r, S_c) for every pair of spans, the slow way. */
async function slowImpacts(session: Session, ids: number[], spans: number[][], layer: number, metric: Metric): Promise<number[][]> {
  const out: number[][] = [];
  for (const [r, sr] of spans.entries()) {
    const base = await spanVector(session, ids, sr, sr, layer);
    const row: number[] = [];
    for (const [c, sc] of spans.entries()) row.push(c === r ? 0 : distance(base, await spanVector(session, ids, [...sr, ...sc], sr, layer), metric));
    out.push(row);
  }
  return out;
}

function maxDiff(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, row, i) => row.reduce((mm, v, j) => Math.max(mm, Math.abs(v - b[i]![j]!)), m), 0);
}

const SENTENCE = '今天天气很好我们去公园';

describe.each(['cpu', 'wasm'] as const)('Perturbed Masking on %s', (backend) => {
  let session: Session;
  let ids: number[];
  let tokenSpans: number[][];

  beforeAll(async () => {
    await initBackend({ override: backend, gpu: null });
    session = await fixtureSession();
    ids = session.tokenizer.encode(SENTENCE).ids;
    tokenSpans = Array.from({ length: ids.length - 2 }, (_, i) => [i + 1]);
  });

  afterAll(() => session?.model.dispose());

  it('matches one forward per perturbation (Euclidean, last layer), whatever the batch size', async () => {
    const slow = await slowImpacts(session, ids, tokenSpans, 2, 'euclidean');
    expect(Math.min(...slow.flatMap((row, i) => row.filter((_, j) => j !== i)))).toBeGreaterThan(0.01);
    const before = tf.memory().numTensors;
    for (const batchSize of [undefined, 7, 1]) {
      const fast = await spanImpacts(session, ids, ids.map(() => 0), tokenSpans, { layer: 2, metric: 'euclidean', batchSize }, quietContext());
      expect(fast.copies).toBe(11 + 55);
      if (batchSize === 7) expect(fast.batches).toBe(10);
      const d = maxDiff(fast.matrix, slow);
      expect(d, `batch ${batchSize}: max |diff| ${d.toExponential(2)}`).toBeLessThanOrEqual(1e-4);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('matches the slow reference with cosine distance at layer 1 and over multi-token spans', async () => {
    const slow = await slowImpacts(session, ids, tokenSpans.slice(0, 5), 1, 'cosine');
    const fast = await spanImpacts(session, ids, ids.map(() => 0), tokenSpans.slice(0, 5), { layer: 1, metric: 'cosine', batchSize: 4 }, quietContext());
    expect(maxDiff(fast.matrix, slow)).toBeLessThanOrEqual(1e-4);
    const words = [[1, 2], [3, 4], [5], [6, 7, 8]];
    const slowWords = await slowImpacts(session, ids, words, 2, 'euclidean');
    const fastWords = await spanImpacts(session, ids, ids.map(() => 0), words, { layer: 2, metric: 'euclidean', batchSize: 3 }, quietContext());
    expect(maxDiff(fastWords.matrix, slowWords)).toBeLessThanOrEqual(1e-4);
  });

  it('the neighbours-only mode computes the band next to the diagonal exactly, from 2n − 1 copies', async () => {
    const slow = await slowImpacts(session, ids, tokenSpans, 2, 'euclidean');
    const n = tokenSpans.length;
    for (const batchSize of [undefined, 4, 1]) {
      const band = await spanImpacts(session, ids, ids.map(() => 0), tokenSpans, { layer: 2, metric: 'euclidean', batchSize, adjacentOnly: true }, quietContext());
      expect(band.copies).toBe(2 * n - 1);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const v = band.matrix[i]![j]!;
          if (Math.abs(i - j) <= 1) expect(Math.abs(v - slow[i]![j]!), `f(${i}, ${j}), batch ${batchSize}`).toBeLessThanOrEqual(1e-4);
          else expect(v, `f(${i}, ${j}) is not computed`).toBeNaN();
        }
      }
    }
    // Two tokens: the smallest band.
    const two = await spanImpacts(session, ids, ids.map(() => 0), tokenSpans.slice(0, 2), { layer: 2, metric: 'euclidean', adjacentOnly: true }, quietContext());
    const slowTwo = await slowImpacts(session, ids, tokenSpans.slice(0, 2), 2, 'euclidean');
    expect(maxDiff(two.matrix, slowTwo)).toBeLessThanOrEqual(1e-4);
    // The segmentation is the same as with the whole matrix; the tree needs the whole matrix.
    const full = await impactMatrix(session, { text: SENTENCE, tree: false }, quietContext());
    const fast = await impactMatrix(session, { text: SENTENCE, adjacentOnly: true }, quietContext());
    expect(fast.copies).toBe(2 * n - 1);
    fast.adjacent.forEach((a, i) => expect(Math.abs(a - full.adjacent[i]!)).toBeLessThanOrEqual(1e-5));
    expect(fast.segments).toEqual(full.segments);
    expect(fast.tree).toBeNull();
    await expect(impactMatrix(session, { text: SENTENCE, adjacentOnly: true, tree: true }, quietContext())).rejects.toThrow('full impact matrix');
  });

  it('impactMatrix returns the matrix, adjacent impacts, segments covering the text and a tree over them', async () => {
    const progress: number[] = [];
    const ctx: TaskContext = { signal: new AbortController().signal, progress: (done) => progress.push(done) };
    const r = await impactMatrix(session, { text: SENTENCE, batchSize: 16 }, ctx);
    const again = await impactMatrix(session, { text: SENTENCE }, quietContext());
    // Independent of the batch size up to float32 rounding: on wasm, small batches run the fused
    // JS kernels and large ones tfjs-wasm's SIMD kernels, which round differently.
    expect(maxDiff(again.matrix, r.matrix)).toBeLessThanOrEqual(1e-5);
    expect(await impactMatrix(session, { text: SENTENCE, batchSize: 16 }, quietContext())).toEqual(r); // deterministic
    expect(r.tokens).toEqual(SENTENCE.split(''));
    expect(r.offsets[3]).toEqual([3, 4]);
    const slow = await slowImpacts(session, ids, tokenSpans, 2, 'euclidean');
    expect(maxDiff(r.matrix, slow)).toBeLessThanOrEqual(1e-4);
    r.adjacent.forEach((a, i) => expect(a).toBeCloseTo((slow[i]![i + 1]! + slow[i + 1]![i]!) / 2, 4));
    expect(r.threshold).toBe(r.defaultThreshold);
    expect(r.defaultThreshold).toBeGreaterThan(Math.min(...r.adjacent));
    expect(r.defaultThreshold).toBeLessThanOrEqual(Math.max(...r.adjacent));
    expect(r.segments.map((s) => s.text).join('')).toBe(SENTENCE);
    r.segments.slice(1).forEach((s, k) => {
      expect(s.start).toBe(r.segments[k]!.end);
      expect(r.adjacent[s.start - 1]!).toBeLessThan(r.threshold); // a cut where the impact is low
    });
    r.segments.forEach((s) => r.adjacent.slice(s.start, s.end - 1).forEach((a) => expect(a).toBeGreaterThanOrEqual(r.threshold)));
    expect(r.tree!.text).toBe(SENTENCE);
    expect(r.tree!.end).toBe(r.segments.length);
    const wordSpans = r.segments.map((s) => Array.from({ length: s.end - s.start }, (_, k) => s.start + k + 1));
    expect(maxDiff(r.wordMatrix!, await slowImpacts(session, ids, wordSpans, 2, 'euclidean'))).toBeLessThanOrEqual(1e-4);
    expect(progress.at(-1)).toBe(r.copies);
    expect(r.copies).toBe(66 + (r.segments.length * (r.segments.length + 1)) / 2);
  });

  it('a threshold above every impact gives one token per word, below every impact one word', async () => {
    const high = await impactMatrix(session, { text: SENTENCE, threshold: 1e9, tree: false }, quietContext());
    expect(high.segments).toHaveLength(11);
    expect(high.tree).toBeNull();
    const low = await impactMatrix(session, { text: SENTENCE, threshold: -1, tree: true }, quietContext());
    expect(low.segments.map((s) => s.text)).toEqual([SENTENCE]);
    expect(low.tree).toEqual({ start: 0, end: 1, text: SENTENCE, children: [] });
  });

  it('refuses unusable input with TaskErrors, and stops between batches when cancelled', async () => {
    await expect(impactMatrix(session, { text: '好' }, quietContext())).rejects.toThrow(/at least two tokens/);
    await expect(impactMatrix(session, { text: SENTENCE, layer: 3 }, quietContext())).rejects.toThrow(/Layer must be 1 … 2/);
    await expect(impactMatrix(session, { text: '好'.repeat(200) }, quietContext())).rejects.toBeInstanceOf(TaskError);
    const abort = new AbortController();
    let batches = 0;
    const ctx: TaskContext = { signal: abort.signal, progress: () => ++batches === 2 && abort.abort() };
    await expect(impactMatrix(session, { text: SENTENCE, batchSize: 10 }, ctx)).rejects.toThrow(/Cancelled/);
    expect(batches).toBe(2);
  });
});
