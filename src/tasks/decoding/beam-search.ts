// Beam search with a pool of finished hypotheses and an exact stopping rule.
//
// Every step expands each live hypothesis by every token (rows × V candidates, chosen with a
// bounded heap, never a full sort). An expansion that ends (its end-token count reaches
// minEnds) goes to the finished pool; the beamSize best of the others, by summed log-prob,
// become the live beams. Finished hypotheses are compared with live ones by score
// (logProb / length^α), and the search stops as soon as no continuation of a live beam can
// beat the nBest-th finished one, or at maxLength, where unfinished beams join the pool
// (marked `ended: false`).
import { TaskError } from '../../worker/protocol';
import {
  callPredict,
  countEnds,
  hypothesisProcessors,
  nothingAllowed,
  reorderState,
  validateOptions,
  type DecoderOptions,
  type PenaltyOptions,
  type PredictFn,
  type PredictResult,
} from './common';
import { chain, logSoftmax } from './processors';
import { TopKHeap } from './select';

export interface BeamSearchOptions<S> extends DecoderOptions<S>, PenaltyOptions {
  /** Live hypotheses kept per step (bert4keras `topk`). */
  beamSize: number;
  /**
   * α in score = logProb / length^α, length counting the end token(s). 0 (default) compares
   * summed log-probs as bert4keras does, which favours short outputs; 0.6–1 favours longer ones.
   */
  lengthPenalty?: number;
  /** How many hypotheses to return, best first (1 ≤ nBest ≤ beamSize, default 1). */
  nBest?: number;
}

export interface BeamHypothesis {
  /** Output ids, including the end token(s) when `ended`. */
  ids: number[];
  /** The ranking score: logProb / ids.length^α. */
  score: number;
  /** Summed log-probability of `ids` (after repetition / n-gram / min-length processing). */
  logProb: number;
  /** False when the hard maxLength cut the hypothesis before it ended. */
  ended: boolean;
}

interface Live {
  ids: number[];
  logProb: number;
}

/** The best `capacity` hypotheses by score; equal scores keep the one offered first. */
class FinishedPool {
  readonly items: BeamHypothesis[] = [];
  constructor(private readonly capacity: number) {}

  accepts(score: number): boolean {
    return this.items.length < this.capacity || score > this.items[this.items.length - 1]!.score;
  }

  offer(h: BeamHypothesis): void {
    if (!this.accepts(h.score)) return;
    let at = this.items.length;
    while (at > 0 && this.items[at - 1]!.score < h.score) at--;
    this.items.splice(at, 0, h);
    if (this.items.length > this.capacity) this.items.pop();
  }

  /** Score of the worst kept hypothesis once the pool is full, else -Infinity. */
  get bar(): number {
    return this.items.length < this.capacity ? -Infinity : this.items[this.items.length - 1]!.score;
  }
}

export async function beamSearch<S, I>(predict: PredictFn<S, I>, inputs: I, opts: BeamSearchOptions<S>): Promise<BeamHypothesis[]> {
  validateOptions(opts);
  const { beamSize, endId, maxLength } = opts;
  const nBest = opts.nBest ?? 1;
  const alpha = opts.lengthPenalty ?? 0;
  const minEnds = opts.minEnds ?? 1;
  if (!Number.isInteger(beamSize) || beamSize < 1) throw new TaskError('bad-input', `The beam size must be a whole number ≥ 1 (got ${beamSize}).`);
  if (!Number.isInteger(nBest) || nBest < 1 || nBest > beamSize) {
    throw new TaskError('bad-input', `The number of results must be a whole number between 1 and the beam size ${beamSize} (got ${nBest}).`);
  }
  if (!Number.isFinite(alpha)) throw new TaskError('bad-input', `The length penalty must be a finite number (got ${alpha}); 0 switches it off.`);

  const normalise = (logProb: number, length: number) => (alpha === 0 ? logProb : logProb / Math.pow(length, alpha));
  // Log-probs are ≤ 0, so a live beam of summed log-prob lp and length len can only reach
  // lp' ≤ lp at some length L in [len+1, maxLength]; lp / L^α is monotone in L, so the best
  // it could score is the larger of the two ends.
  const bestReachable = (logProb: number, length: number) => Math.max(normalise(logProb, length + 1), normalise(logProb, maxLength));

  const pool = new FinishedPool(nBest);
  let live: Live[] = [{ ids: [], logProb: 0 }];
  let state: S | null = null;
  for (let step = 0; step < maxLength; step++) {
    const result: PredictResult<S> = await callPredict(predict, inputs, live.map((h) => h.ids), state, endId, opts.signal);
    const v = result.logProbs[0]!.length;
    // Keys are r·V + t; they grow along the scan, so a score equal to the threshold never
    // displaces a kept one and the cheap `<=` test below is exact.
    const heap = new TopKHeap(beamSize);
    for (let r = 0; r < live.length; r++) {
      const h = live[r]!;
      const logProbs = logSoftmax(chain(...hypothesisProcessors(opts, h.ids))(result.logProbs[r]!)); // [V]
      const endFinishes = countEnds(h.ids, endId) + 1 >= minEnds;
      const base = r * v;
      for (let t = 0; t < v; t++) {
        const s = h.logProb + logProbs[t]!;
        if (!(s > -Infinity)) continue;
        if (t === endId && endFinishes) {
          const score = normalise(s, h.ids.length + 1);
          if (pool.accepts(score)) pool.offer({ ids: [...h.ids, t], score, logProb: s, ended: true });
          continue;
        }
        if (heap.full && s <= heap.threshold) continue;
        heap.push(s, base + t);
      }
    }
    const chosen = heap.sorted();
    const parents = chosen.map((c) => Math.floor(c.key / v));
    live = chosen.map((c, i) => ({ ids: [...live[parents[i]!]!.ids, c.key % v], logProb: c.score }));
    const length = step + 1;
    opts.onStep?.({
      step: length,
      outputIds: live.map((h) => h.ids.slice()),
      finished: pool.items.map((h) => h.ids.slice()),
      scores: live.map((h) => h.logProb),
    });
    if (length === maxLength) {
      for (const h of live) pool.offer({ ids: h.ids, score: normalise(h.logProb, length), logProb: h.logProb, ended: false });
      break;
    }
    if (live.length === 0) {
      if (pool.items.length === 0) throw nothingAllowed(step);
      break;
    }
    if (pool.bar >= bestReachable(live[0]!.logProb, length)) break;
    state = reorderState(result.state, parents, result.logProbs.length, opts.reorder);
  }
  return pool.items.map((h) => ({ ...h, ids: h.ids.slice() }));
}
