// What every decoding strategy shares: the predict hook, options, cancellation, validation and
// the per-hypothesis processors (repetition penalty, no-repeat n-gram, min length).
import { TaskError } from '../../worker/protocol';
import { minLength, noRepeatNgram, repetitionPenalty, type LogitsProcessor } from './processors';

/**
 * The model side of decoding. Called once per step with the output so far of every live
 * hypothesis (row r of `outputIds` is hypothesis r; on the first step a single empty row).
 * Returns one score row per hypothesis, in the same order: logits or log-probabilities over
 * the vocabulary (Float32Array of length V; the decoder renormalises). `inputs` is the same
 * for every row (the prompt); the task repeats it to the number of rows it is given.
 * `state` is opaque to the decoder (e.g. a KV cache, null on the first step).
 */
export type PredictFn<S, I = unknown> = (inputs: I, outputIds: number[][], state: S | null) => Promise<PredictResult<S>>;

export interface PredictResult<S> {
  /** [rows][V] logits or log-probabilities for the next token of each row. */
  logProbs: Float32Array[];
  state: S;
}

/** Streamed after every step. Arrays are fresh copies, safe to keep or post. */
export interface StepPartial {
  /** Output tokens generated so far (1 after the first step). */
  step: number;
  /** Live hypotheses, in the row order of the next `predict` call. */
  outputIds: number[][];
  /** Hypotheses that have ended so far (beam search: the best kept ones, best first). */
  finished: number[][];
  /** Beam search: summed log-probability of each live hypothesis. */
  scores?: number[];
}

export interface DecoderOptions<S> {
  /** Token that ends a hypothesis ([SEP] for BERT seq2seq). */
  endId: number;
  /** Hard limit on output tokens: decoding always stops after this many steps. */
  maxLength: number;
  /** End tokens a hypothesis needs before it counts as finished (bert4keras `min_ends`). Default 1. */
  minEnds?: number;
  /** The end token is banned until the output has this many tokens. Default 0. */
  minLength?: number;
  /**
   * Tells the task which rows of the last `predict` call survive, in their new order (a row may
   * repeat, e.g. one prompt row fanning out to n samples). Tasks that keep per-row state must
   * supply it; without it the state is passed on unchanged.
   */
  reorder?: (state: S, rows: number[]) => S;
  onStep?: (partial: StepPartial) => void;
  /** Checked before and after every `predict`; aborting rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface PenaltyOptions {
  /** CTRL repetition penalty on tokens already in the hypothesis; 1 (default) = off. */
  repetitionPenalty?: number;
  /** Ban tokens that would repeat an n-gram of this size; 0 (default) = off. */
  noRepeatNgramSize?: number;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DOMException('Cancelled', 'AbortError');
}

function badInput(message: string): TaskError {
  return new TaskError('bad-input', message);
}

/** Checks the shared options once, before any model call. */
export function validateOptions<S>(opts: DecoderOptions<S> & PenaltyOptions): void {
  if (!Number.isInteger(opts.endId) || opts.endId < 0) throw badInput(`The end token id must be a whole number ≥ 0 (got ${opts.endId}).`);
  if (!Number.isInteger(opts.maxLength) || opts.maxLength < 1) throw badInput(`The maximum length must be a whole number ≥ 1 (got ${opts.maxLength}).`);
  const minEnds = opts.minEnds ?? 1;
  if (!Number.isInteger(minEnds) || minEnds < 1) throw badInput(`min ends must be a whole number ≥ 1 (got ${minEnds}).`);
  const minLen = opts.minLength ?? 0;
  if (!Number.isInteger(minLen) || minLen < 0 || minLen > opts.maxLength) {
    throw badInput(`The minimum length must be a whole number between 0 and the maximum length ${opts.maxLength} (got ${minLen}).`);
  }
  // The processor factories validate their own parameters; build them once to fail early.
  repetitionPenalty(opts.repetitionPenalty ?? 1, []);
  noRepeatNgram(opts.noRepeatNgramSize ?? 0, []);
}

/** Calls `predict` between two cancellation checks and checks the shape of its answer. */
export async function callPredict<S, I>(
  predict: PredictFn<S, I>,
  inputs: I,
  outputIds: number[][],
  state: S | null,
  endId: number,
  signal: AbortSignal | undefined,
): Promise<PredictResult<S>> {
  throwIfAborted(signal);
  const result = await predict(inputs, outputIds, state);
  throwIfAborted(signal);
  const rows = result.logProbs;
  if (rows.length !== outputIds.length) {
    throw new Error(`predict returned ${rows.length} score rows for ${outputIds.length} hypotheses; it must return exactly one row per row of outputIds.`);
  }
  const v = rows[0]!.length;
  for (const row of rows) {
    if (row.length !== v) throw new Error(`predict returned score rows of different lengths (${v} and ${row.length}); every row must cover the whole vocabulary.`);
  }
  if (endId >= v) throw badInput(`The end token id ${endId} is outside the model's vocabulary of ${v} tokens.`);
  return result;
}

export function countEnds(ids: readonly number[], endId: number): number {
  let n = 0;
  for (const id of ids) if (id === endId) n++;
  return n;
}

/** The processors that depend on one hypothesis's own output so far. */
export function hypothesisProcessors<S>(opts: DecoderOptions<S> & PenaltyOptions, ids: readonly number[]): LogitsProcessor[] {
  const out: LogitsProcessor[] = [];
  if ((opts.repetitionPenalty ?? 1) !== 1) out.push(repetitionPenalty(opts.repetitionPenalty!, ids));
  if ((opts.noRepeatNgramSize ?? 0) > 0) out.push(noRepeatNgram(opts.noRepeatNgramSize!, ids));
  if ((opts.minLength ?? 0) > ids.length) out.push(minLength(opts.minLength!, opts.endId, ids.length));
  return out;
}

export function nothingAllowed(step: number): TaskError {
  return badInput(
    `No token is allowed at output position ${step + 1}: the no-repeat n-gram size, minimum length and filters ban the whole vocabulary. Lower the no-repeat n-gram size or the minimum length.`,
  );
}

/** Applies `reorder` unless the rows are unchanged. */
export function reorderState<S>(state: S, rows: number[], previousRows: number, reorder: ((state: S, rows: number[]) => S) | undefined): S {
  if (!reorder) return state;
  const identity = rows.length === previousRows && rows.every((r, i) => r === i);
  return identity ? state : reorder(state, rows);
}
