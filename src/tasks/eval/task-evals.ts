// The model-level metrics that reuse the playground's own tasks: Perturbed-Masking segmentation
// against a reference segmenter, paraphrase retrieval with the sentence encoder, and similar-
// question generation.
import { yieldAndCheck, quietContext, type TaskContext } from '../context';
import type { DistanceMetric } from '../../gpu/kernels';
import { impactMatrix } from '../explain/impact-matrix';
import { addCounts, allGaps, countBoundaries, gapsOfSpans, gapsOfWords, score, type BoundaryCounts, type BoundaryScore } from '../explain/segment-eval';
import { cosine, SentenceEncoder, type Pooling } from '../generate/sentence-embed';
import { similarQuestions } from '../generate/similar';
import type { Session } from '../session';
import { countNonCopies, retrievalTop1 } from './metrics';

export interface SegmentEvalResult {
  perturbedMasking: BoundaryScore;
  allCutsBaseline: BoundaryScore;
  /** Sentences scored, and those skipped for having fewer than 2 or more than maxTokens tokens. */
  sentences: number;
  skipped: number;
}

/**
 * Word-boundary scores of the model's Perturbed-Masking segmentation (last layer, Euclidean,
 * per-sentence threshold) against `reference` (e.g. jieba without HMM), micro-averaged, beside
 * the segmenter that cuts every gap. The cost grows with the square of the length, so
 * sentences longer than `maxTokens` (specials excluded) are skipped.
 */
export interface SegmentEvalOptions {
  /** Longest sentence scored, in tokens without specials (default 48). */
  maxTokens?: number;
  /** Impact-matrix settings (defaults: last layer, Euclidean, per-sentence threshold). */
  layer?: number;
  threshold?: number;
  metric?: DistanceMetric;
  /** Called for every scored sentence with its words, the reference words and its own score. */
  onSentence?: (detail: { text: string; words: string[]; reference: string[]; threshold: number; score: BoundaryScore }) => void;
}

export async function evaluateSegmentation(
  session: Session,
  sentences: readonly string[],
  reference: (text: string) => string[],
  options: SegmentEvalOptions,
  ctx: TaskContext,
): Promise<SegmentEvalResult> {
  const maxTokens = options.maxTokens ?? 48;
  const { layer, threshold, metric } = options;
  const empty: BoundaryCounts = { predicted: 0, gold: 0, correct: 0 };
  let ours = empty;
  let baseline = empty;
  let used = 0;
  for (const [i, text] of sentences.entries()) {
    await yieldAndCheck(ctx.signal);
    const length = session.tokenizer.encode(text).ids.length - 2;
    if (length >= 2 && length <= maxTokens) {
      const r = await impactMatrix(session, { text, layer, threshold, metric, tree: false, adjacentOnly: true }, quietContext(ctx.signal));
      const words = reference(text);
      const gold = gapsOfWords(words, r.offsets, text);
      const mine = countBoundaries(gapsOfSpans(r.segments), gold);
      ours = addCounts(ours, mine);
      baseline = addCounts(baseline, countBoundaries(allGaps(r.tokens.length), gold));
      options.onSentence?.({ text, words: r.segments.map((seg) => seg.text), reference: words, threshold: r.threshold, score: score(mine) });
      used++;
    }
    ctx.progress(i + 1, sentences.length, 'sentences', 'segmentation');
  }
  return { perturbedMasking: score(ours), allCutsBaseline: score(baseline), sentences: used, skipped: sentences.length - used };
}

export interface RetrievalEvalResult {
  pairs: number;
  top1Percent: number;
  pooling: Pooling;
}

/** For every left side, is its own right side the nearest (cosine) of all right sides? */
export async function evaluateParaphraseRetrieval(
  session: Session,
  pairs: readonly [string, string][],
  options: { batchSize?: number },
  ctx: TaskContext,
): Promise<RetrievalEvalResult> {
  const batchSize = options.batchSize ?? 32;
  const encoder = new SentenceEncoder(session, 'auto');
  try {
    const maxLength = session.model.config.maxPositions;
    const texts = [...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])];
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      await yieldAndCheck(ctx.signal);
      const rows = texts.slice(i, i + batchSize).map((t) => session.tokenizer.encode(t, undefined, { maxLength }).ids);
      vectors.push(...(await encoder.embed(rows)));
      ctx.progress(Math.min(i + batchSize, texts.length), texts.length, 'sentences', 'paraphrase retrieval');
    }
    const n = pairs.length;
    const sim = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => cosine(vectors[i]!, vectors[n + j]!)));
    return { pairs: n, top1Percent: retrievalTop1(sim), pooling: encoder.pooling };
  } finally {
    encoder.dispose();
  }
}

export interface GenerationEvalResult {
  sentences: number;
  /** Mean cosine to the input over all top-`k` candidates of all sentences. */
  meanCosine: number;
  /** Share (percent) of those candidates that are not the input up to punctuation and case. */
  nonCopyPercent: number;
  candidates: number;
}

/** Runs similar-question generation on each sentence and scores its top-k candidates. */
export async function evaluateGeneration(
  session: Session,
  sentences: readonly string[],
  options: { n?: number; k?: number; seed?: number },
  ctx: TaskContext,
): Promise<GenerationEvalResult> {
  const k = options.k ?? 5;
  let cosSum = 0;
  let candidates = 0;
  let nonCopies = 0;
  for (const [i, text] of sentences.entries()) {
    const r = await similarQuestions(session, { text, n: options.n ?? 20, k, seed: (options.seed ?? 1) + i }, quietContext(ctx.signal));
    const top = r.results.slice(0, k);
    cosSum += top.reduce((a, c) => a + c.score, 0);
    candidates += top.length;
    nonCopies += countNonCopies(text, top.map((c) => c.text));
    ctx.progress(i + 1, sentences.length, 'sentences', 'generation');
  }
  return {
    sentences: sentences.length,
    meanCosine: candidates ? cosSum / candidates : 0,
    nonCopyPercent: candidates ? (100 * nonCopies) / candidates : 0,
    candidates,
  };
}
