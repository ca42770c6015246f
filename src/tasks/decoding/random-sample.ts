// Random sampling of n candidates in one batch (bert4keras `random_sample`).
//
// The first step runs the prompt once (one row) and fans it out to n rows through `reorder`;
// from then on row i of `predict` is live candidate i, and a candidate that ends leaves the
// batch. Each step applies, per candidate: repetition penalty → no-repeat n-gram → min length
// → temperature → top-k → top-p (on the renormalised top-k distribution), then draws one token
// with one `rng.next()`, candidates in index order, so a seed reproduces the run exactly.
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
import { chain, temperature, topK, topP, type LogitsProcessor } from './processors';
import { categoricalFromScores, drawCategorical, type Categorical, type Rng } from './rng';

export interface SampleOptions<S> extends DecoderOptions<S>, PenaltyOptions {
  /** Number of candidates drawn together. */
  n: number;
  temperature?: number;
  /** Keep only the k most likely tokens (applied first). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose mass reaches p (after top-k). */
  topP?: number;
  /**
   * Consistent top-k / nucleus (Welleck et al. 2020): the end token always stays a candidate,
   * so sampling ends with probability 1. Default true. Has no effect without topK / topP.
   */
  consistent?: boolean;
  rng: Rng;
}

export interface SampledCandidate {
  /** Output ids, including the end token(s) when `ended`. */
  ids: number[];
  /** False when the hard maxLength stopped the candidate before it ended. */
  ended: boolean;
}

/** The part of the chain that is the same for every candidate and every step. */
function filterChain<S>(opts: SampleOptions<S>): LogitsProcessor[] {
  const setOpts = { endId: opts.endId, consistent: opts.consistent ?? true };
  const out: LogitsProcessor[] = [temperature(opts.temperature ?? 1)];
  if (opts.topK !== undefined) out.push(topK(opts.topK, setOpts));
  if (opts.topP !== undefined) out.push(topP(opts.topP, setOpts));
  return out;
}

/** Returns the n candidates in candidate order. */
export async function randomSample<S, I>(predict: PredictFn<S, I>, inputs: I, opts: SampleOptions<S>): Promise<SampledCandidate[]> {
  validateOptions(opts);
  const { n, endId, maxLength, rng } = opts;
  if (!Number.isInteger(n) || n < 1) throw new TaskError('bad-input', `The number of samples must be a whole number ≥ 1 (got ${n}).`);
  const filters = filterChain(opts);
  const minEnds = opts.minEnds ?? 1;

  const ids: number[][] = Array.from({ length: n }, () => []);
  const ended: boolean[] = new Array<boolean>(n).fill(false);
  let live = Array.from({ length: n }, (_, c) => c); // candidate indices still running
  let rowOf = new Array<number>(n).fill(0); // candidate → row of the next predict call
  let rows: number[][] = [[]];
  let state: S | null = null;
  for (let step = 0; step < maxLength; step++) {
    const result: PredictResult<S> = await callPredict(predict, inputs, rows, state, endId, opts.signal);
    const distribution = (c: number): Categorical => {
      const d = categoricalFromScores(chain(...hypothesisProcessors(opts, ids[c]!), ...filters)(result.logProbs[rowOf[c]!]!));
      if (!d) throw nothingAllowed(step);
      return d;
    };
    // On the first step every candidate shares row 0 and an empty history: filter it once.
    const shared = step === 0 ? distribution(0) : null;
    for (const c of live) {
      const token = drawCategorical(shared ?? distribution(c), rng);
      ids[c] = [...ids[c]!, token]; // fresh arrays: the task may hold on to earlier outputIds
      if (countEnds(ids[c]!, endId) >= minEnds) ended[c] = true;
    }
    const survivors = live.filter((c) => !ended[c]);
    opts.onStep?.({
      step: step + 1,
      outputIds: survivors.map((c) => ids[c]!.slice()),
      finished: ids.filter((_, c) => ended[c]).map((x) => x.slice()),
    });
    if (survivors.length === 0 || step + 1 === maxLength) break;
    const keptRows = survivors.map((c) => rowOf[c]!);
    state = reorderState(result.state, keptRows, rows.length, opts.reorder);
    live = survivors;
    rowOf = new Array<number>(n).fill(-1);
    survivors.forEach((c, i) => (rowOf[c] = i));
    rows = survivors.map((c) => ids[c]!);
  }
  return ids.map((x, c) => ({ ids: x, ended: ended[c]! }));
}
