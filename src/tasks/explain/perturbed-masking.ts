// Perturbed Masking (Wu et al., ACL 2020): how much token j matters to token i, read off a
// layer's hidden states by masking.
//
//   f(x_i, x_j) = d( H(x∖{x_i})_i , H(x∖{x_i, x_j})_i )
//
// H(·)_i is the layer-ℓ vector at position i, x∖S the sentence with the tokens of S replaced
// by [MASK], d Euclidean (or cosine distance). The same definition over spans (mask a whole
// word, average its vectors) gives word-level distances for the syntax tree.
//
// Copies: x∖{x_i, x_j} and x∖{x_j, x_i} are the same sentence, so R spans need R single-masked
// copies plus R(R − 1)/2 pair-masked ones (not R²): each pair copy is read at both of its
// spans. The unmasked sentence is not part of f and is not run. Copies go through the model in
// batches sized by an activation budget, only up to layer ℓ. Copies are ordered so that rows
// of the matrix complete one after another (copy {r} then {r, c} for c > r); each batch that
// completes rows turns them into one pairDistance call on the device
// (a = the single-masked vectors [R', 1, H], b = the rows' vectors [R', R, H] → [R', 1, R]).
import * as tf from '@tensorflow/tfjs';
import { pairDistance, type DistanceMetric } from '../../gpu/kernels';
import { yieldAndCheck, type TaskContext } from '../context';
import type { Session } from '../session';
import { copiesPerBatch, forwardBytesPerSequence } from './batch-plan';

export interface SpanImpactOptions {
  /** 1-based encoder layer whose output is compared (1 … numLayers). */
  layer: number;
  metric: DistanceMetric;
  /** Copies per forward; default from the activation budget. 1 = one forward per perturbation. */
  batchSize?: number;
  /**
   * Only the band next to the diagonal (f(S_r, S_r±1)), which is all that segmentation reads:
   * R single copies and R − 1 pair copies instead of R(R + 1)/2. Other entries are NaN.
   */
  adjacentOnly?: boolean;
}

export interface SpanImpactProgress {
  /** Copies finished in this call so far, and in total. */
  done: number;
  total: number;
}

export interface SpanImpacts {
  /** [R][R]: matrix[r][c] = f(S_r, S_c); the diagonal is 0 by definition. */
  matrix: number[][];
  copies: number;
  batches: number;
  batchSize: number;
}

/** One masked sentence: the spans it masks (one or two), each read back as a vector. */
interface MaskedCopy {
  spans: number[];
}

/**
 * Copies in row-completion order: {r}, then {r, c} for c > r (only c = r + 1 when adjacentOnly),
 * for r = 0 … R − 1.
 */
function copyOrder(rows: number, adjacentOnly: boolean): { copies: MaskedCopy[]; rowDoneAfter: number[] } {
  const copies: MaskedCopy[] = [];
  const rowDoneAfter: number[] = []; // row r is complete once this many copies have run
  for (let r = 0; r < rows; r++) {
    copies.push({ spans: [r] });
    const last = adjacentOnly ? Math.min(r + 2, rows) : rows;
    for (let c = r + 1; c < last; c++) copies.push({ spans: [r, c] });
    rowDoneAfter.push(copies.length);
  }
  return { copies, rowDoneAfter };
}

/** The columns of row r that are computed: all of them, or r − 1, r, r + 1 (clamped to r). */
function columnsOf(r: number, rows: number, adjacentOnly: boolean): number[] {
  if (!adjacentOnly) return Array.from({ length: rows }, (_, c) => c);
  return [r - 1, r, r + 1].map((c) => (c < 0 || c >= rows ? r : c));
}

/**
 * Layer-`layer` hidden states of S masked copies, [S, L, H]. The embedding output of a position
 * depends only on its own token, position and segment, so it is computed once for the sentence
 * and once for an all-[MASK] row ([1, L, H] each) and each copy picks per position:
 * orig·(1 − m) + mask·m with m ∈ {0, 1} is exact. This skips an [S·L]-row lookup in the
 * 21k-row vocabulary table per batch.
 */
function hiddenAtLayer(session: Session, ends: { orig: tf.Tensor3D; masked: tf.Tensor3D }, masks: Float32Array, s: number, layer: number): tf.Tensor3D {
  const l = ends.orig.shape[1];
  const m = tf.tensor3d(masks, [s, l, 1]); // 1 where the copy has [MASK]
  let hidden = tf.add(tf.mul(ends.orig, tf.sub(1, m)), tf.mul(ends.masked, m)) as tf.Tensor3D; // [S, L, H]
  for (let i = 0; i < layer; i++) {
    const next = session.model.layerForward(i, hidden, null).hidden;
    hidden.dispose();
    hidden = next;
  }
  return hidden;
}

/**
 * f between every pair of spans (token positions of `ids`, which include [CLS]/[SEP]).
 * `onBatch` is told after every batch; cancellation is checked between batches.
 */
export async function spanImpacts(
  session: Session,
  ids: readonly number[],
  typeIds: readonly number[],
  spans: readonly (readonly number[])[],
  opts: SpanImpactOptions,
  ctx: TaskContext,
  onBatch?: (p: SpanImpactProgress) => void,
): Promise<SpanImpacts> {
  const rows = spans.length;
  const l = ids.length;
  const h = session.model.config.hiddenSize;
  const adjacentOnly = opts.adjacentOnly ?? false;
  const { copies, rowDoneAfter } = copyOrder(rows, adjacentOnly);
  const width = adjacentOnly ? 3 : rows; // columns read per row (neighbours: r − 1, r, r + 1, clamped)
  const total = copies.length;
  const perBatch = Math.min(opts.batchSize ?? copiesPerBatch(total, forwardBytesPerSequence(session.model.config, l)), total);
  const maskId = session.tokenizer.maskId;
  const ends = tf.tidy(() => {
    const row = (r: readonly number[]) => tf.tensor2d([[...r]], [1, l], 'int32');
    const types = row(typeIds);
    return { orig: session.model.embed({ inputIds: row(ids), typeIds: types }), masked: session.model.embed({ inputIds: row(ids.map(() => maskId)), typeIds: types }) };
  });
  const matrix: number[][] = [];
  // Vectors not yet consumed, on the device, [P, H]; `where` maps "row,col" to a row of it.
  let store: tf.Tensor2D | null = null;
  let where = new Map<number, number>();
  let batches = 0;
  try {
    for (let start = 0; start < total; start += perBatch) {
      const end = Math.min(start + perBatch, total);
      const s = end - start;
      const masks = new Float32Array(s * l); // [S, L]: 1 where the copy has [MASK]
      const pool = new Float32Array(s * 2 * l); // [S, 2, L]: 1/|span| over each span the copy is read at
      const base = store ? store.shape[0] : 0;
      for (let k = start; k < end; k++) {
        const { spans: masked } = copies[k]!;
        const q = k - start;
        masked.forEach((r, side) => {
          for (const t of spans[r]!) {
            masks[q * l + t] = 1;
            pool[(q * 2 + side) * l + t] = 1 / spans[r]!.length;
          }
          // Read at span r, the copy masking {r, c} gives row r, column c (c = r when single).
          const c = masked.length === 1 ? r : masked[1 - side]!;
          where.set(r * rows + c, base + q * 2 + side);
        });
      }
      const grown: tf.Tensor2D = tf.tidy(() => {
        const hidden = hiddenAtLayer(session, ends, masks, s, opts.layer); // [S, L, H]
        // [S, 2, L] · [S, L, H] → [S, 2, H] → [2S, H]; unused second reads of single copies are 0
        const vectors = tf.matMul(tf.tensor3d(pool, [s, 2, l]), hidden).reshape([2 * s, h]) as tf.Tensor2D;
        return store ? tf.concat([store, vectors], 0) : vectors;
      });
      store?.dispose();
      store = grown;
      batches++;
      let readyRows = 0;
      while (matrix.length + readyRows < rows && rowDoneAfter[matrix.length + readyRows]! <= end) readyRows++;
      if (readyRows > 0) {
        const first = matrix.length;
        const done = Array.from({ length: readyRows }, (_, q) => first + q);
        const keep = [...where.entries()].filter(([key]) => Math.floor(key / rows) >= first + readyRows);
        const [dist, rest] = tf.tidy((): tf.Tensor[] => {
          const pick = (idx: number[]) => tf.gather(grown, tf.tensor1d(idx, 'int32'));
          const a = pick(done.map((r) => where.get(r * rows + r)!)).reshape([readyRows, 1, h]) as tf.Tensor3D; // [R', 1, H]
          const b = pick(done.flatMap((r) => columnsOf(r, rows, adjacentOnly).slice(0, width).map((c) => where.get(r * rows + c)!))).reshape([readyRows, width, h]) as tf.Tensor3D; // [R', W, H]
          const dist = pairDistance(a, b, opts.metric); // [R', 1, W]
          return keep.length > 0 ? [dist, pick(keep.map(([, i]) => i))] : [dist];
        });
        store.dispose();
        store = (rest as tf.Tensor2D | undefined) ?? null;
        where = new Map(keep.map(([key], i) => [key, i]));
        const values = (await dist!.array()) as number[][][];
        dist!.dispose();
        values.forEach((row, q) => {
          const r = first + q;
          let out = row[0]!;
          if (adjacentOnly) {
            const band = out;
            out = new Array<number>(rows).fill(NaN);
            columnsOf(r, rows, true).slice(0, width).forEach((c, k) => (out[c] = band[k]!));
          }
          out[r] = 0; // f(x_i, x_i): the same copy on both sides
          matrix.push(out);
        });
      }
      onBatch?.({ done: end, total });
      await yieldAndCheck(ctx.signal);
    }
  } finally {
    tf.dispose([...(store ? [store] : []), ends.orig, ends.masked]);
  }
  return { matrix, copies: total, batches, batchSize: perBatch };
}
