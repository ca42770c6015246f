// Similar-sentence search: embed a list of sentences once (in batches, with progress), keep the
// unit-vector matrix here in the worker under an index id, and answer queries by cosine.
// The page only ever holds the id, the sentences it sent and the top-k answers.
import * as tf from '@tensorflow/tfjs';
import type { BertModel } from '../../model/bert';
import { TaskError } from '../../worker/protocol';
import { yieldAndCheck, type TaskContext } from '../context';
import type { Session } from '../session';
import { topIndices } from '../decoding/select';
import { asCancelled, clampInt, nowMs, type Notices } from './common';
import { encodeSentence, SentenceEncoder, type Pooling, type PoolingChoice } from './sentence-embed';

export interface SearchIndexParams {
  sentences: string[];
  /** Tokens per sentence, [CLS]/[SEP] included (default 64); longer ones are cut. */
  maxLength?: number;
  batchSize?: number;
  pooling?: PoolingChoice;
}

export interface SearchIndexResult {
  indexId: string;
  /** Sentences indexed (blank lines are skipped). */
  count: number;
  skippedBlank: number;
  dim: number;
  pooling: Pooling;
  /** Some sentences were longer than maxLength and were cut before embedding. */
  truncated: boolean;
  truncatedCount: number;
  /** Up to 20 of the cut sentences' positions in the index. */
  truncatedExamples: number[];
  notices: string[];
  elapsedMs: number;
  sentencesPerSecond: number;
  backend: string;
}

export interface SearchQueryParams {
  indexId: string;
  query: string;
  /** Hits returned (default 10). */
  k?: number;
}

export interface SearchHit {
  /** Position in the index (blank lines skipped). */
  index: number;
  text: string;
  score: number;
}

export interface SearchQueryResult {
  query: string;
  hits: SearchHit[];
  truncated: boolean;
  notices: string[];
}

interface StoredIndex {
  model: BertModel;
  pooling: Pooling;
  maxLength: number;
  sentences: string[];
  /** [count, dim] unit vectors, row-major. */
  matrix: Float32Array;
  dim: number;
}

/** Indexes kept in the worker; the oldest goes when a new one would exceed this. */
export const MAX_INDEXES = 4;
export const MAX_SENTENCES = 50_000;
const indexes = new Map<string, StoredIndex>();
let nextId = 1;

export async function buildSearchIndex(session: Session, params: SearchIndexParams, ctx: TaskContext): Promise<SearchIndexResult> {
  const started = nowMs();
  const notices: Notices = [];
  if (!Array.isArray(params.sentences)) throw new TaskError('bad-input', 'Give the sentences as a list of strings, one per line.');
  const sentences = params.sentences.map((s) => String(s).trim()).filter((s) => s.length > 0);
  const skippedBlank = params.sentences.length - sentences.length;
  if (sentences.length === 0) throw new TaskError('bad-input', 'The sentence list is empty: paste or upload at least one non-blank line.');
  if (sentences.length > MAX_SENTENCES) throw new TaskError('bad-input', `The list has ${sentences.length} sentences; the index holds at most ${MAX_SENTENCES}. Split it.`);
  const maxLength = clampInt(params.maxLength, 64, 3, session.model.config.maxPositions, 'The maximum length', notices);
  const batchSize = clampInt(params.batchSize, 32, 1, 256, 'The batch size', notices);
  const encoded = sentences.map((s) => encodeSentence(session, s, maxLength));
  const truncatedAt = encoded.flatMap((e, i) => (e.truncated ? [i] : []));
  if (truncatedAt.length > 0) notices.push(`${truncatedAt.length} sentence(s) were longer than ${maxLength} tokens and were cut before embedding.`);

  const encoder = new SentenceEncoder(session, params.pooling);
  const dim = encoder.dim;
  const matrix = new Float32Array(sentences.length * dim);
  // Batches of similar length waste less on padding: embed in length order, store in list order.
  const order = encoded.map((_, i) => i).sort((a, b) => encoded[a]!.ids.length - encoded[b]!.ids.length || a - b);
  try {
    ctx.progress(0, sentences.length, 'sentences', 'embedding');
    for (let start = 0; start < order.length; start += batchSize) {
      await yieldAndCheck(ctx.signal);
      const batch = order.slice(start, start + batchSize);
      const vectors = await encoder.embed(batch.map((i) => encoded[i]!.ids));
      batch.forEach((i, j) => matrix.set(vectors[j]!, i * dim));
      ctx.progress(Math.min(start + batchSize, order.length), sentences.length, 'sentences', 'embedding');
    }
  } catch (e) {
    throw asCancelled(e);
  } finally {
    encoder.dispose();
  }
  const indexId = `index-${nextId++}`;
  indexes.set(indexId, { model: session.model, pooling: encoder.pooling, maxLength, sentences, matrix, dim });
  while (indexes.size > MAX_INDEXES) indexes.delete(indexes.keys().next().value!);
  const elapsedMs = nowMs() - started;
  return {
    indexId, count: sentences.length, skippedBlank, dim, pooling: encoder.pooling,
    truncated: truncatedAt.length > 0, truncatedCount: truncatedAt.length, truncatedExamples: truncatedAt.slice(0, 20),
    notices, elapsedMs, sentencesPerSecond: (1000 * sentences.length) / Math.max(elapsedMs, 1), backend: tf.getBackend(),
  };
}

export async function querySearchIndex(session: Session, params: SearchQueryParams, ctx: TaskContext): Promise<SearchQueryResult> {
  const notices: Notices = [];
  const index = indexes.get(params.indexId);
  if (!index) throw new TaskError('bad-input', `Index "${params.indexId}" does not exist (the worker keeps the ${MAX_INDEXES} most recent). Embed the sentence list again.`);
  if (index.model !== session.model) throw new TaskError('bad-input', 'The model changed since this index was built: its vectors do not fit. Embed the sentence list again.');
  const query = encodeSentence(session, params.query, index.maxLength, 'The query');
  if (query.truncated) notices.push(`The query was longer than ${index.maxLength} tokens and was cut to fit.`);
  const k = clampInt(params.k, 10, 1, index.sentences.length, 'The number of hits', notices);
  const encoder = new SentenceEncoder(session, index.pooling);
  let q: Float32Array;
  try {
    await yieldAndCheck(ctx.signal);
    q = (await encoder.embed([query.ids]))[0]!;
  } catch (e) {
    throw asCancelled(e);
  } finally {
    encoder.dispose();
  }
  const hits = topCosine(index.matrix, index.dim, q, k).map(({ index: i, score }) => ({ index: i, text: index.sentences[i]!, score }));
  return { query: params.query, hits, truncated: query.truncated, notices };
}

/** The k rows of `matrix` [count, dim] with the highest dot product with q, best first (ties: lower row). */
export function topCosine(matrix: Float32Array, dim: number, q: Float32Array, k: number): { index: number; score: number }[] {
  const count = matrix.length / dim;
  const scores = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    let s = 0;
    const base = r * dim;
    for (let j = 0; j < dim; j++) s += matrix[base + j]! * q[j]!;
    scores[r] = s;
  }
  return topIndices(scores, k).map((r) => ({ index: r, score: scores[r]! }));
}

/** Forgets every index (a new model was loaded, or tests). */
export function clearSearchIndexes(): void {
  indexes.clear();
}
