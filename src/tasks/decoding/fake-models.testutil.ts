// Small fake language models for decoder tests, and an exhaustive search to check beams against.
import type { PredictFn } from './common';
import { logSoftmax } from './processors';
import { createRng, type Rng } from './rng';

export interface FakeModel {
  vocab: number;
  endId: number;
  /** Next-token log-probabilities after `prefix` (Float32, as a model would return). */
  logProbsFor(prefix: readonly number[]): Float32Array;
}

function toLogRow(probs: readonly number[]): Float32Array {
  const total = probs.reduce((a, b) => a + b, 0);
  return Float32Array.from(probs, (p) => Math.log(p / total));
}

/** table[s][t]: probability of t after last token s; row `vocab` is the start state. */
export function markovModel(table: readonly (readonly number[])[], endId: number): FakeModel {
  const vocab = table[0]!.length;
  if (table.length !== vocab + 1) throw new Error(`a Markov table over ${vocab} tokens needs ${vocab + 1} rows`);
  const rows = table.map(toLogRow);
  return { vocab, endId, logProbsFor: (prefix) => rows[prefix.length === 0 ? vocab : prefix[prefix.length - 1]!]!.slice() };
}

/** A random Markov table; `endWeight` scales the end token's weight relative to the others. */
export function randomMarkovTable(rng: Rng, vocab: number, endId: number, endWeight = 1): number[][] {
  return Array.from({ length: vocab + 1 }, () => Array.from({ length: vocab }, (_, t) => (0.05 + rng.next()) * (t === endId ? endWeight : 1)));
}

/**
 * Logits drawn from a hash of the whole prefix: every prefix has its own distribution.
 * `endBias` is added to the end token's logit (negative: outputs run longer).
 */
export function prefixModel(vocab: number, endId: number, seed: number, scale = 2, endBias = 0): FakeModel {
  return {
    vocab,
    endId,
    logProbsFor(prefix) {
      let h = 2166136261 ^ seed;
      for (const id of prefix) h = Math.imul(h ^ (id + 1), 16777619);
      h = Math.imul(h ^ prefix.length, 16777619);
      const rng = createRng(h);
      const logits = Array.from({ length: vocab }, (_, t) => scale * (2 * rng.next() - 1) + (t === endId ? endBias : 0));
      return Float32Array.from(logSoftmax(logits));
    },
  };
}

/**
 * A predict hook whose state is the rows it last saw; it throws unless the decoder's `reorder`
 * kept that state in step with `outputIds` (each row must extend its state row by one token).
 */
export function statefulPredict(model: FakeModel, delayMs = 0) {
  const log = { calls: 0, rows: [] as number[] };
  const predict: PredictFn<number[][], null> = async (_inputs, outputIds, state) => {
    log.calls++;
    log.rows.push(outputIds.length);
    if (state !== null) {
      if (state.length !== outputIds.length) throw new Error(`state has ${state.length} rows, outputIds ${outputIds.length}`);
      outputIds.forEach((ids, r) => {
        const expected = state[r]!;
        if (ids.length !== expected.length + 1 || expected.some((t, i) => ids[i] !== t)) {
          throw new Error(`row ${r}: state ${JSON.stringify(expected)} does not prefix ${JSON.stringify(ids)}`);
        }
      });
    }
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    return { logProbs: outputIds.map((ids) => model.logProbsFor(ids)), state: outputIds.map((ids) => ids.slice()) };
  };
  const reorder = (state: number[][], rows: number[]) => rows.map((r) => state[r]!);
  return { predict, reorder, log };
}

export interface Enumerated {
  ids: number[];
  logProb: number;
  score: number;
  ended: boolean;
}

/**
 * Every complete output: ended (end count reaches minEnds) within maxLength, or cut at
 * maxLength. Sorted best first by logProb / length^α (stable on the enumeration order).
 */
export function exhaustive(model: FakeModel, opts: { maxLength: number; minEnds?: number; lengthPenalty?: number }): Enumerated[] {
  const minEnds = opts.minEnds ?? 1;
  const alpha = opts.lengthPenalty ?? 0;
  const normalise = (lp: number, len: number) => (alpha === 0 ? lp : lp / Math.pow(len, alpha));
  const out: Enumerated[] = [];
  const visit = (ids: number[], logProb: number, ends: number) => {
    const lp = logSoftmax(model.logProbsFor(ids));
    for (let t = 0; t < model.vocab; t++) {
      const s = logProb + lp[t]!;
      if (!(s > -Infinity)) continue;
      const next = [...ids, t];
      const e = ends + (t === model.endId ? 1 : 0);
      if (e >= minEnds) out.push({ ids: next, logProb: s, score: normalise(s, next.length), ended: true });
      else if (next.length === opts.maxLength) out.push({ ids: next, logProb: s, score: normalise(s, next.length), ended: false });
      else visit(next, s, e);
    }
  };
  visit([], 0, 0);
  return out.sort((a, b) => b.score - a.score);
}
