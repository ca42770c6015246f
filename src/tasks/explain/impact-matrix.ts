// The `impactMatrix` task: Perturbed Masking on one sentence → token impact matrix, adjacent
// impacts, a default threshold, the segmentation at a threshold and the word-level syntax tree.
import type { DistanceMetric } from '../../gpu/kernels';
import { TaskError } from '../../worker/protocol';
import type { TaskContext } from '../context';
import type { Session } from '../session';
import { spanImpacts } from './perturbed-masking';
import {
  adjacentImpacts, forcedJoins, otsuThreshold, segmentSpans, spansToSegments, splitTree, THRESHOLD_RULE, type Segment, type TreeNode,
} from './segmentation';

export interface ImpactMatrixParams {
  text: string;
  /** 1-based encoder layer; default the last. */
  layer?: number;
  metric?: DistanceMetric;
  /** Merge threshold for the returned segmentation (and the tree); default from the sentence. */
  threshold?: number;
  /** Build the word-level syntax tree (another W² masked copies). Default true. */
  tree?: boolean;
  /** Masked copies per forward; default from the activation budget. */
  batchSize?: number;
  /**
   * Compute only the impacts between neighbours (2n − 1 copies instead of n(n + 1)/2): enough
   * for the segmentation, not for the heatmap (other entries are NaN) or the tree (needs tree: false).
   */
  adjacentOnly?: boolean;
}

export interface ImpactMatrixResult {
  text: string;
  /** The sentence's tokens without [CLS]/[SEP], and their UTF-16 spans in `text`. */
  tokens: string[];
  offsets: [number, number][];
  layer: number;
  metric: DistanceMetric;
  /** [n][n]: matrix[i][j] = f(x_i, x_j), the change of token i's vector when j is masked too. */
  matrix: number[][];
  /** [n − 1]: mean of the two directed impacts between tokens i and i + 1. */
  adjacent: number[];
  /** [n − 1]: token i + 1 is a WordPiece continuation of token i (always one word). */
  joined: boolean[];
  defaultThreshold: number;
  thresholdRule: string;
  /** The threshold the segments and the tree below were made with. */
  threshold: number;
  segments: Segment[];
  /** [W][W] word-level distances (whole words masked, span vectors averaged), or null. */
  wordMatrix: number[][] | null;
  tree: TreeNode | null;
  copies: number;
  batches: number;
  batchSize: number;
}

const METRICS: readonly DistanceMetric[] = ['euclidean', 'cosine'];

function checkParams(session: Session, p: ImpactMatrixParams): { layer: number; metric: DistanceMetric } {
  const layers = session.model.config.numLayers;
  const layer = p.layer ?? layers;
  if (!Number.isInteger(layer) || layer < 1 || layer > layers) throw new TaskError('bad-input', `Layer must be 1 … ${layers} (this model has ${layers} layers).`);
  const metric = p.metric ?? 'euclidean';
  if (!METRICS.includes(metric)) throw new TaskError('bad-input', `Unknown distance "${String(metric)}": use euclidean or cosine.`);
  if (p.threshold !== undefined && !Number.isFinite(p.threshold)) throw new TaskError('bad-input', 'The threshold must be a finite number.');
  if (p.batchSize !== undefined && !(Number.isInteger(p.batchSize) && p.batchSize >= 1)) throw new TaskError('bad-input', 'batchSize must be a positive integer.');
  return { layer, metric };
}

export async function impactMatrix(session: Session, params: ImpactMatrixParams, ctx: TaskContext): Promise<ImpactMatrixResult> {
  const { layer, metric } = checkParams(session, params);
  const text = typeof params.text === 'string' ? params.text : '';
  if (!text.trim()) throw new TaskError('bad-input', 'Type a sentence to segment.');
  const enc = session.tokenizer.encode(text);
  const max = session.model.config.maxPositions;
  if (enc.ids.length > max) {
    throw new TaskError('bad-input', `The sentence is ${enc.ids.length} tokens long; this model reads at most ${max} (max_position_embeddings). Split it into shorter sentences.`);
  }
  const n = enc.ids.length - 2; // without [CLS] and [SEP]
  if (n < 2) throw new TaskError('bad-input', 'The sentence needs at least two tokens to measure how they affect each other.');
  const tokens = enc.tokens.slice(1, -1);
  const offsets = enc.offsets.slice(1, -1) as [number, number][];
  const adjacentOnly = params.adjacentOnly ?? false;
  const wantTree = params.tree ?? !adjacentOnly;
  if (adjacentOnly && wantTree) throw new TaskError('bad-input', 'The syntax tree needs the full impact matrix: turn off the neighbours-only mode or the tree.');
  // Progress runs over both stages; the word stage's size is known once the words are.
  let stageOffset = 0;
  let total = adjacentOnly ? 2 * n - 1 : (n * (n + 1)) / 2; // distinct masked copies: n single + n(n − 1)/2 pairs (or n − 1 neighbour pairs)
  const report = (label: string) => ({ done, total: t }: { done: number; total: number }) => {
    if (label === 'word distances') total = stageOffset + t;
    ctx.progress(stageOffset + done, total, 'sequences', label);
  };
  const tokenSpans = Array.from({ length: n }, (_, i) => [i + 1]); // positions after [CLS]
  const opts = { layer, metric, batchSize: params.batchSize };
  const tokenLevel = await spanImpacts(session, enc.ids, enc.typeIds, tokenSpans, { ...opts, adjacentOnly }, ctx, report('impact matrix'));
  const adjacent = adjacentImpacts(tokenLevel.matrix);
  const joined = forcedJoins(tokens);
  const defaultThreshold = otsuThreshold(adjacent);
  const threshold = params.threshold ?? defaultThreshold;
  const spans = segmentSpans(adjacent, joined, threshold);
  const segments = spansToSegments(spans, offsets, text);
  let wordMatrix: number[][] | null = null;
  let tree: TreeNode | null = null;
  let copies = tokenLevel.copies;
  let batches = tokenLevel.batches;
  if (wantTree) {
    if (spans.length > 1) {
      stageOffset = tokenLevel.copies;
      const wordSpans = spans.map(([s, e]) => Array.from({ length: e - s }, (_, k) => s + k + 1));
      const wordLevel = await spanImpacts(session, enc.ids, enc.typeIds, wordSpans, opts, ctx, report('word distances'));
      wordMatrix = wordLevel.matrix;
      copies += wordLevel.copies;
      batches += wordLevel.batches;
    } else {
      wordMatrix = [[0]];
    }
    tree = splitTree(wordMatrix, segments.length, (lo, hi) => text.slice(segments[lo]!.from, segments[hi - 1]!.to));
  }
  return {
    text, tokens, offsets, layer, metric, matrix: tokenLevel.matrix, adjacent, joined, defaultThreshold, thresholdRule: THRESHOLD_RULE,
    threshold, segments, wordMatrix, tree, copies, batches, batchSize: tokenLevel.batchSize,
  };
}
