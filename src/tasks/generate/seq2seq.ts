// Plain UniLM seq2seq generation from one source text with any decoding strategy, and the
// plain-vs-consistent sampling comparison on the same input and seed.
import * as tf from '@tensorflow/tfjs';
import { beamSearch, compareConsistency, createRng, greedy, randomSample, type PenaltyOptions, type StepPartial } from '../decoding/decoder';
import { yieldAndCheck, type TaskContext } from '../context';
import type { Session } from '../session';
import { TaskError } from '../../worker/protocol';
import { asCancelled, clampInt, decodeOutput, nowMs, type Notices } from './common';
import { encodeSentence } from './sentence-embed';
import { UniLMDecoder, type KVCache, type UniLMSource } from './unilm';
import type { PredictFn } from '../decoding/decoder';
import { bannedInGeneration } from './gibbs-core';

export type Strategy = 'greedy' | 'beam' | 'sample';

export interface GenerateParams extends PenaltyOptions {
  text: string;
  strategy?: Strategy;
  /** Maximum output tokens (default 32). */
  maxLength?: number;
  /** [SEP] is banned until the output has this many tokens (default 0). */
  minLength?: number;
  /** Source tokens kept, [CLS]/[SEP] included (default 64). */
  maxSourceLength?: number;
  /** Beam search. */
  beamSize?: number;
  nBest?: number;
  lengthPenalty?: number;
  /** Sampling. */
  n?: number;
  topK?: number;
  topP?: number;
  temperature?: number;
  consistent?: boolean;
  seed?: number;
}

export interface GeneratedText {
  text: string;
  ids: number[];
  tokens: string[];
  /** False when the maximum length stopped it before [SEP]. */
  ended: boolean;
  /** Beam search: the ranking score (summed log-prob / length^α). */
  score?: number;
}

export interface GeneratePartial {
  step: number;
  maxLength: number;
  live: string[];
  finished: string[];
  tokensPerSecond: number;
}

export interface GenerateResult {
  input: string;
  strategy: Strategy;
  outputs: GeneratedText[];
  truncated: boolean;
  notices: string[];
  seed: number | null;
  generatedTokens: number;
  tokensPerSecond: number;
  elapsedMs: number;
  backend: string;
  /** How past positions are kept between steps. */
  cache: 'kv';
}

export interface ConsistencyParams {
  text: string;
  n?: number;
  topK?: number;
  topP?: number;
  temperature?: number;
  maxLength?: number;
  seed?: number;
}

export interface ConsistencyVariant {
  hitMaxLength: number;
  meanLength: number;
  samples: { text: string; ended: boolean }[];
}

export interface ConsistencyResult {
  input: string;
  n: number;
  maxLength: number;
  seed: number;
  plain: ConsistencyVariant;
  consistent: ConsistencyVariant;
  notices: string[];
}

/** A predict hook that yields to the event loop first, so a cancel can arrive between steps. */
function cancellable(decoder: UniLMDecoder, signal: AbortSignal): PredictFn<KVCache, UniLMSource> {
  return async (inputs, outputIds, state) => {
    await yieldAndCheck(signal);
    return decoder.predict(inputs, outputIds, state);
  };
}

export async function generateText(session: Session, params: GenerateParams, ctx: TaskContext): Promise<GenerateResult> {
  const started = nowMs();
  const tok = session.tokenizer;
  const notices: Notices = [];
  const strategy = params.strategy ?? 'greedy';
  if (!['greedy', 'beam', 'sample'].includes(strategy)) throw new TaskError('bad-input', `Unknown strategy "${String(strategy)}": use greedy, beam or sample.`);
  const maxPositions = session.model.config.maxPositions;
  const maxLength = clampInt(params.maxLength, 32, 1, Math.floor(maxPositions / 2), 'The maximum length', notices);
  const maxSource = clampInt(params.maxSourceLength, 64, 3, maxPositions - maxLength, 'The maximum source length', notices);
  const source = encodeSentence(session, params.text, maxSource, 'The source text');
  if (source.truncated) notices.push(`The source text was longer than ${maxSource} tokens and was cut to fit.`);
  const decoder = new UniLMDecoder(session.model, source, maxLength, bannedInGeneration(session.tokenizer));
  const seed = strategy === 'sample' ? Math.trunc(params.seed ?? Date.now() % 2 ** 31) : null;
  let generated = 0;
  let live = 1;
  const onStep = (p: StepPartial) => {
    generated += live;
    live = p.outputIds.length;
    const partial: GeneratePartial = {
      step: p.step, maxLength,
      live: p.outputIds.map((ids) => decodeOutput(tok, ids)),
      finished: p.finished.map((ids) => decodeOutput(tok, ids)),
      tokensPerSecond: (1000 * generated) / Math.max(nowMs() - started, 1),
    };
    ctx.progress(p.step, maxLength, 'tokens', strategy, partial);
  };
  const common = {
    endId: tok.sepId, maxLength, minLength: params.minLength, reorder: decoder.reorder, onStep, signal: ctx.signal,
    repetitionPenalty: params.repetitionPenalty, noRepeatNgramSize: params.noRepeatNgramSize,
  };
  const predict = cancellable(decoder, ctx.signal);
  const toOutput = (ids: number[], ended: boolean, score?: number): GeneratedText => ({
    text: decodeOutput(tok, ids), ids, tokens: tok.convertIdsToTokens(ids), ended, ...(score === undefined ? {} : { score }),
  });
  let outputs: GeneratedText[];
  try {
    if (strategy === 'greedy') {
      const ids = await greedy(predict, source, common);
      outputs = [toOutput(ids, ids.at(-1) === tok.sepId)];
    } else if (strategy === 'beam') {
      const beamSize = clampInt(params.beamSize, 4, 1, 64, 'The beam size', notices);
      const nBest = clampInt(params.nBest, 1, 1, beamSize, 'The number of results', notices);
      const best = await beamSearch(predict, source, { ...common, beamSize, nBest, lengthPenalty: params.lengthPenalty });
      outputs = best.map((h) => toOutput(h.ids, h.ended, h.score));
    } else {
      const n = clampInt(params.n, 5, 1, 200, 'The number of samples', notices);
      live = 1;
      const samples = await randomSample(predict, source, {
        ...common, n, rng: createRng(seed!), topK: params.topK, topP: params.topP, temperature: params.temperature, consistent: params.consistent ?? true,
      });
      outputs = samples.map((s) => toOutput(s.ids, s.ended));
    }
  } catch (e) {
    throw asCancelled(e);
  } finally {
    decoder.dispose();
  }
  const elapsedMs = nowMs() - started;
  const generatedTokens = outputs.reduce((a, o) => a + o.ids.length, 0);
  return {
    input: params.text, strategy, outputs, truncated: source.truncated, notices, seed, generatedTokens,
    tokensPerSecond: (1000 * generated) / Math.max(elapsedMs, 1), elapsedMs, backend: tf.getBackend(), cache: 'kv',
  };
}

/**
 * Samples n outputs twice from the same seed, once with plain top-k/top-p and once with the
 * consistent variant (the end token always stays a candidate), and counts how many hit the
 * maximum length without ending.
 */
export async function consistencyCheck(session: Session, params: ConsistencyParams, ctx: TaskContext): Promise<ConsistencyResult> {
  const tok = session.tokenizer;
  const notices: Notices = [];
  const maxLength = clampInt(params.maxLength, 32, 1, Math.floor(session.model.config.maxPositions / 2), 'The maximum length', notices);
  const n = clampInt(params.n, 20, 1, 200, 'The number of samples', notices);
  const seed = Math.trunc(params.seed ?? Date.now() % 2 ** 31);
  if (params.topK === undefined && params.topP === undefined) {
    throw new TaskError('bad-input', 'The comparison needs top-k or top-p filtering: without it plain and consistent sampling are the same.');
  }
  const source = encodeSentence(session, params.text, Math.max(maxLength, 3), 'The text');
  // compareConsistency runs two decodes; each starts from a null state and gets its own cache.
  let current: UniLMDecoder | null = null;
  try {
    const report = await compareConsistency(
      async (inputs, outputIds, state: KVCache | null) => {
        await yieldAndCheck(ctx.signal);
        if (state === null) {
          current?.dispose();
          current = new UniLMDecoder(session.model, source, maxLength, bannedInGeneration(session.tokenizer));
        }
        return current!.predict(inputs, outputIds, state);
      },
      source,
      {
        n, endId: tok.sepId, maxLength, seed, topK: params.topK, topP: params.topP, temperature: params.temperature, signal: ctx.signal,
        reorder: (state, rows) => current!.reorder(state, rows),
        onStep: (variant, p) => ctx.progress((variant === 'plain' ? 0 : maxLength) + p.step, 2 * maxLength, 'steps', variant),
      },
    );
    const variant = (v: typeof report.plain): ConsistencyVariant => ({
      hitMaxLength: v.hitMaxLength, meanLength: v.meanLength, samples: v.samples.map((s) => ({ text: decodeOutput(tok, s.ids), ended: s.ended })),
    });
    return { input: params.text, n, maxLength, seed, plain: variant(report.plain), consistent: variant(report.consistent), notices };
  } catch (e) {
    throw asCancelled(e);
  } finally {
    (current as UniLMDecoder | null)?.dispose();
  }
}
