// Greedy decoding: one hypothesis, the most likely next token at every step.
import { callPredict, countEnds, hypothesisProcessors, nothingAllowed, validateOptions, type DecoderOptions, type PenaltyOptions, type PredictFn, type PredictResult } from './common';
import { chain } from './processors';
import { argmaxRow } from './select';

/**
 * Returns the output ids, including the end token(s) when the output ended before maxLength
 * (check `ids.at(-1) === endId`). Equal scores go to the lower token id.
 */
export async function greedy<S, I>(predict: PredictFn<S, I>, inputs: I, opts: DecoderOptions<S> & PenaltyOptions): Promise<number[]> {
  validateOptions(opts);
  const minEnds = opts.minEnds ?? 1;
  let ids: number[] = [];
  let state: S | null = null;
  for (let step = 0; step < opts.maxLength; step++) {
    const result: PredictResult<S> = await callPredict(predict, inputs, [ids], state, opts.endId, opts.signal);
    state = result.state;
    const row = chain(...hypothesisProcessors(opts, ids))(result.logProbs[0]!);
    const next = argmaxRow(row);
    if (next < 0) throw nothingAllowed(step);
    ids = [...ids, next];
    const ended = countEnds(ids, opts.endId) >= minEnds;
    opts.onStep?.({ step: step + 1, outputIds: ended ? [] : [ids.slice()], finished: ended ? [ids.slice()] : [] });
    if (ended) break;
  }
  return ids;
}
