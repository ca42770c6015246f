// Similar questions, the SimBERT recipe: sample n paraphrases of `[CLS] question [SEP]` with the
// UniLM generator (top-k 5, ending at [SEP], at most 32 tokens), drop duplicates and the question
// itself, embed every candidate and the question, and rank the candidates by cosine to the question.
// Partial candidates stream after every decoding step; a cancel stops within one step.
import * as tf from '@tensorflow/tfjs';
import type { BertTokenizer } from '../../model/tokenizer';
import { createRng, randomSample, type SampledCandidate, type StepPartial } from '../decoding/decoder';
import { yieldAndCheck, type TaskContext } from '../context';
import type { Session } from '../session';
import { asCancelled, clampInt, decodeOutput, nowMs, type Notices } from './common';
import { cosine, encodeSentence, SentenceEncoder, type Pooling, type PoolingChoice } from './sentence-embed';
import { checkSeq2SeqModel, UniLMDecoder } from './unilm';
import { bannedInGeneration } from './gibbs-core';

export interface SimilarParams {
  text: string;
  /** Candidates sampled (default 50, 1..200). */
  n?: number;
  /** Top-k of the sampler (default 5, as SimBERT). */
  topK?: number;
  /** Nucleus mass after top-k (default 1 = off). */
  topP?: number;
  temperature?: number;
  /** Maximum output tokens (default 32, 1..64). */
  maxLength?: number;
  /** The question is cut to this many tokens, [CLS]/[SEP] included (default 32 as SimBERT). */
  maxSourceLength?: number;
  /** Keep [SEP] a candidate under top-k/top-p so every sample can end (default true). */
  consistent?: boolean;
  seed?: number;
  /** Ranked results returned (default 20). */
  k?: number;
  pooling?: PoolingChoice;
  /** Sentences per embedding batch (default 32). */
  batchSize?: number;
}

export interface RankedCandidate {
  text: string;
  /** Cosine between the candidate's and the question's sentence vectors. */
  score: number;
  /** Samples that produced this text. */
  count: number;
  /** False when it stopped at the maximum length without [SEP]. */
  ended: boolean;
}

export interface SimilarPartial {
  phase: 'sampling' | 'ranking';
  step: number;
  maxLength: number;
  /** Distinct finished candidates so far, in the order they ended. */
  finished: string[];
  live: number;
  tokensPerSecond: number;
}

export interface SimilarResult {
  input: string;
  results: RankedCandidate[];
  /** Samples drawn, distinct usable texts among them, samples that hit the maximum length. */
  sampled: number;
  distinct: number;
  hitMaxLength: number;
  truncated: boolean;
  notices: string[];
  pooling: Pooling;
  seed: number;
  generatedTokens: number;
  tokensPerSecond: number;
  elapsedMs: number;
  backend: string;
}

export const SIMILAR_DEFAULTS = { n: 50, topK: 5, maxLength: 32, maxSourceLength: 32, k: 20, batchSize: 32 } as const;

/** Texts that differ only by spaces or case are the same question. */
function key(text: string): string {
  return text.replace(/\s+/g, '').toLowerCase();
}

export interface DistinctCandidate {
  text: string;
  /** Output ids without the end token. */
  ids: number[];
  count: number;
  ended: boolean;
}

/**
 * Distinct non-empty candidate texts in order of first appearance (texts equal up to spaces and
 * case count as one), without the input: neither as typed nor as the tokenizer reads it back.
 */
export function distinctCandidates(tok: BertTokenizer, samples: SampledCandidate[], input: string, sourceIds: number[]): DistinctCandidate[] {
  const inputKeys = new Set([key(input), key(decodeOutput(tok, sourceIds.slice(1, -1)))]);
  const byKey = new Map<string, DistinctCandidate>();
  for (const s of samples) {
    const text = decodeOutput(tok, s.ids);
    const k = key(text);
    if (!text || inputKeys.has(k)) continue;
    const e = byKey.get(k);
    if (e) e.count++;
    else byKey.set(k, { text, ids: s.ids.filter((id) => id !== tok.sepId), count: 1, ended: s.ended });
  }
  return [...byKey.values()];
}

export async function similarQuestions(session: Session, params: SimilarParams, ctx: TaskContext): Promise<SimilarResult> {
  const started = nowMs();
  checkSeq2SeqModel(session.model, 'similar-question generation');
  const notices: Notices = [];
  const n = clampInt(params.n, SIMILAR_DEFAULTS.n, 1, 200, 'The number of candidates', notices);
  const maxLength = clampInt(params.maxLength, SIMILAR_DEFAULTS.maxLength, 1, Math.min(64, Math.floor(session.model.config.maxPositions / 2)), 'The maximum length', notices);
  const k = clampInt(params.k, SIMILAR_DEFAULTS.k, 1, 200, 'The number of results', notices);
  const batchSize = clampInt(params.batchSize, SIMILAR_DEFAULTS.batchSize, 1, 256, 'The batch size', notices);
  const seed = Math.trunc(params.seed ?? Date.now() % 2 ** 31);
  const tok = session.tokenizer;

  const maxSource = clampInt(params.maxSourceLength, SIMILAR_DEFAULTS.maxSourceLength, 3, session.model.config.maxPositions - maxLength, 'The maximum question length', notices);
  const source = encodeSentence(session, params.text, maxSource, 'The question');
  if (source.truncated) notices.push(`The question was longer than ${maxSource} tokens and was cut to fit.`);
  const decoder = new UniLMDecoder(session.model, source, maxLength, bannedInGeneration(session.tokenizer));
  const encoder = new SentenceEncoder(session, params.pooling);
  const sampleStart = nowMs();
  const seen = new Set<string>();
  const finishedTexts: string[] = [];
  let live = n;
  let generated = 0;
  const onStep = (p: StepPartial) => {
    generated += live; // every live candidate drew one token this step
    for (const ids of p.finished) {
      const text = decodeOutput(tok, ids);
      if (text && !seen.has(key(text))) {
        seen.add(key(text));
        finishedTexts.push(text);
      }
    }
    live = p.outputIds.length;
    const tokensPerSecond = (1000 * generated) / Math.max(nowMs() - sampleStart, 1);
    const partial: SimilarPartial = { phase: 'sampling', step: p.step, maxLength, finished: finishedTexts.slice(), live, tokensPerSecond };
    ctx.progress(p.step, maxLength, 'tokens', 'sampling', partial);
  };
  try {
    const samples = await randomSample(
      async (inputs, outputIds, state) => {
        await yieldAndCheck(ctx.signal);
        return decoder.predict(inputs, outputIds, state);
      },
      source,
      {
        n, endId: tok.sepId, maxLength, rng: createRng(seed), reorder: decoder.reorder, onStep, signal: ctx.signal,
        topK: params.topK ?? SIMILAR_DEFAULTS.topK, topP: params.topP, temperature: params.temperature, consistent: params.consistent ?? true,
      },
    );
    decoder.dispose();
    const generatedTokens = samples.reduce((a, s) => a + s.ids.length, 0);
    const sampleMs = nowMs() - sampleStart;

    const distinct = distinctCandidates(tok, samples, params.text, source.ids);
    ctx.progress(0, distinct.length + 1, 'sentences', 'ranking', { phase: 'ranking', step: maxLength, maxLength, finished: finishedTexts, live: 0, tokensPerSecond: (1000 * generatedTokens) / Math.max(sampleMs, 1) } satisfies SimilarPartial);

    // Embed the question and the candidates in batches. As SimBERT does, a candidate is scored
    // as the text shown (re-encoded), which can differ from the sampled ids (e.g. "##" pieces).
    const rows = [source.ids, ...distinct.map((c) => tok.encode(c.text, undefined, { maxLength: session.model.config.maxPositions }).ids)];
    const vectors: Float32Array[] = [];
    for (let i = 0; i < rows.length; i += batchSize) {
      await yieldAndCheck(ctx.signal);
      vectors.push(...(await encoder.embed(rows.slice(i, i + batchSize))));
      ctx.progress(Math.min(i + batchSize, rows.length), rows.length, 'sentences', 'ranking');
    }
    const query = vectors[0]!;
    const ranked = distinct
      .map((c, i) => ({ text: c.text, score: cosine(vectors[i + 1]!, query), count: c.count, ended: c.ended, order: i }))
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .slice(0, k)
      .map(({ order: _order, ...rest }) => rest);
    return {
      input: params.text,
      results: ranked,
      sampled: samples.length,
      distinct: distinct.length,
      hitMaxLength: samples.filter((s) => !s.ended).length,
      truncated: source.truncated,
      notices,
      pooling: encoder.pooling,
      seed,
      generatedTokens,
      tokensPerSecond: (1000 * generatedTokens) / Math.max(sampleMs, 1),
      elapsedMs: nowMs() - started,
      backend: tf.getBackend(),
    };
  } catch (e) {
    throw asCancelled(e);
  } finally {
    decoder.dispose();
    encoder.dispose();
  }
}
