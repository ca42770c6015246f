// Similar questions, the SimBERT recipe: sample n paraphrases of `[CLS] question [SEP]` with the
// UniLM generator (top-k 5, ending at [SEP], at most 32 tokens), drop duplicates and the question
// itself, embed every candidate and the question, and rank the candidates by cosine to the question.
// Partial candidates stream after every decoding step; a cancel stops within one step.
import * as tf from '@tensorflow/tfjs';
import { createRng, randomSample, type StepPartial } from '../decoding/decoder';
import { yieldAndCheck, type TaskContext } from '../context';
import type { Session } from '../session';
import { asCancelled, clampInt, decodeOutput, nowMs, type Notices } from './common';
import { cosine, encodeSentence, SentenceEncoder, type Pooling, type PoolingChoice } from './sentence-embed';
import { UniLMDecoder } from './unilm';

export interface SimilarParams {
  text: string;
  /** Candidates sampled (default 50, 1..200). */
  n?: number;
  /** Top-k of the sampler (default 5, as SimBERT). */
  topK?: number;
  /** Nucleus mass after top-k (default 1 = off). */
  topP?: number;
  temperature?: number;
  /** Maximum output tokens, and the source's maximum tokens (default 32, 1..64). */
  maxLength?: number;
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

export const SIMILAR_DEFAULTS = { n: 50, topK: 5, maxLength: 32, k: 20, batchSize: 32 } as const;

/** Texts that differ only by spaces or case are the same question. */
function key(text: string): string {
  return text.replace(/\s+/g, '').toLowerCase();
}

export async function similarQuestions(session: Session, params: SimilarParams, ctx: TaskContext): Promise<SimilarResult> {
  const started = nowMs();
  const notices: Notices = [];
  const n = clampInt(params.n, SIMILAR_DEFAULTS.n, 1, 200, 'The number of candidates', notices);
  const maxLength = clampInt(params.maxLength, SIMILAR_DEFAULTS.maxLength, 1, Math.min(64, Math.floor(session.model.config.maxPositions / 2)), 'The maximum length', notices);
  const k = clampInt(params.k, SIMILAR_DEFAULTS.k, 1, 200, 'The number of results', notices);
  const batchSize = clampInt(params.batchSize, SIMILAR_DEFAULTS.batchSize, 1, 256, 'The batch size', notices);
  const seed = Math.trunc(params.seed ?? Date.now() % 2 ** 31);
  const tok = session.tokenizer;

  // SimBERT cuts the question at the same maximum length as the output (at least [CLS] x [SEP]).
  const source = encodeSentence(session, params.text, Math.max(maxLength, 3), 'The question');
  if (source.truncated) notices.push(`The question was longer than ${Math.max(maxLength, 3)} tokens and was cut to fit.`);
  const decoder = new UniLMDecoder(session.model, source, maxLength);
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

    // Distinct usable candidates, without the question itself.
    const inputKeys = new Set([key(params.text), key(decodeOutput(tok, source.ids.slice(1, -1)))]);
    const byKey = new Map<string, { text: string; ids: number[]; count: number; ended: boolean }>();
    for (const s of samples) {
      const text = decodeOutput(tok, s.ids);
      const kk = key(text);
      if (!text || inputKeys.has(kk)) continue;
      const e = byKey.get(kk);
      if (e) e.count++;
      else byKey.set(kk, { text, ids: s.ids.filter((id) => id !== tok.sepId), count: 1, ended: s.ended });
    }
    const distinct = [...byKey.values()];
    ctx.progress(0, distinct.length + 1, 'sentences', 'ranking', { phase: 'ranking', step: maxLength, maxLength, finished: finishedTexts, live: 0, tokensPerSecond: (1000 * generatedTokens) / Math.max(sampleMs, 1) } satisfies SimilarPartial);

    // Embed the question and the candidates in batches; the cut question is what was generated from.
    const rows = [source.ids, ...distinct.map((c) => [tok.clsId, ...c.ids.slice(0, Math.max(maxLength, 3) - 2), tok.sepId])];
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
