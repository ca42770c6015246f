// Labelled spans of one text from a GlobalPointer / Efficient GlobalPointer head stored with the
// weights: BERT's last hidden state → q/k projection (+ per-type start/end biases) → pair scores
// from the GlobalPointer kernel (RoPE inside) → every (type, i ≤ j) with a score above the
// threshold, mapped back to character offsets of the text.
import * as tf from '@tensorflow/tfjs';
import { globalPointerScores } from '../../gpu/kernels';
import { toFloat32, type RawTensor } from '../../model/weights/types';
import { TaskError } from '../../worker/protocol';
import { yieldAndCheck, type TaskContext } from '../context';
import { encodeChecked } from '../fill-mask';
import type { Session } from '../session';
import { findSpanHead, MISSING_SPAN_HEAD, requireSpanHead, SPAN_BIAS_BIAS, SPAN_BIAS_WEIGHT, SPAN_DENSE_BIAS, SPAN_DENSE_WEIGHT, type SpanHeadInfo } from './head';

export interface SpanParams {
  text: string;
  /** Spans with a score strictly above this are returned. Default 0, the trained decision rule s > 0. */
  threshold?: number;
  /** At most this many spans (the highest scores). Default 500, at most 20 000. */
  maxSpans?: number;
}

export interface Span {
  /** Index of the span type (head) and its label. */
  type: number;
  label: string;
  /** First and last token (inclusive) in `tokens`. */
  startToken: number;
  endToken: number;
  /** [start, end) UTF-16 offsets in the text. */
  start: number;
  end: number;
  text: string;
  score: number;
}

export interface SpanResult {
  text: string;
  tokens: string[];
  /** Per token, its [start, end) in the text; null for the added [CLS]/[SEP]. */
  offsets: ([number, number] | null)[];
  head: SpanHeadInfo;
  threshold: number;
  /** Sorted by start, then longer first, then type. */
  spans: Span[];
  /** Spans above the threshold left out because of maxSpans. */
  omitted: number;
}

export type SpanHeadStatus = { found: true; head: SpanHeadInfo } | { found: false; message: string };

const DEFAULT_MAX_SPANS = 500;
const MAX_SPANS_LIMIT = 20_000;
// A threshold this low can only be a mistake (−1e12 is the kernel's score for masked pairs).
const THRESHOLD_FLOOR = -1e6;

/** The span head of the session's weights, or null. Throws TaskError for inconsistent heads. */
export function sessionSpanHead(session: Session): SpanHeadInfo | null {
  return findSpanHead(session.files.tensors, session.files.rawConfig, session.model.config.hiddenSize);
}

/** Whether the loaded weights can run `spans`, and if not, why (for the page to show up front). */
export function spanHeadStatus(session: Session): SpanHeadStatus {
  try {
    const head = sessionSpanHead(session);
    return head ? { found: true, head } : { found: false, message: MISSING_SPAN_HEAD };
  } catch (e) {
    if (e instanceof TaskError) return { found: false, message: e.message };
    throw e;
  }
}

/**
 * A Linear layer [out, in] as a kernel [in, out] whose output r is source row `rows[r]`, times
 * `scale` (a power of two here, so exact).
 */
function kernelFromRows(weight: RawTensor, bias: RawTensor, rows: number[], scale: number): { kernel: tf.Tensor2D; bias: tf.Tensor1D } {
  const w = toFloat32(weight);
  const b = toFloat32(bias);
  const inp = weight.shape[1]!;
  const out = rows.length;
  const kernel = new Float32Array(inp * out);
  const biasOut = new Float32Array(out);
  rows.forEach((src, r) => {
    for (let h = 0; h < inp; h++) kernel[h * out + r] = w[src * inp + h]! * scale;
    biasOut[r] = b[src]! * scale;
  });
  return { kernel: tf.tensor2d(kernel, [inp, out]), bias: tf.tensor1d(biasOut) };
}

interface DeviceHead {
  /** [H, heads·2·D]: per q/k head, D q outputs then D k outputs. */
  qk: { kernel: tf.Tensor2D; bias: tf.Tensor1D };
  /** [H, 2·T]: T start biases then T end biases, already halved (Efficient GlobalPointer only). */
  startEnd?: { kernel: tf.Tensor2D; bias: tf.Tensor1D };
}

function uploadHead(tensors: Map<string, RawTensor>, head: SpanHeadInfo): DeviceHead {
  const dense = tensors.get(SPAN_DENSE_WEIGHT)!;
  const denseBias = tensors.get(SPAN_DENSE_BIAS)!;
  const d = head.headSize;
  if (head.kind === 'global_pointer') {
    // Already grouped per head as [q (D) | k (D)].
    return { qk: kernelFromRows(dense, denseBias, Array.from({ length: dense.shape[0]! }, (_, r) => r), 1) };
  }
  const t = head.labels.length;
  // Shared projection: q = even outputs, k = odd → reorder to [q (D) | k (D)].
  const qkRows = Array.from({ length: 2 * d }, (_, r) => (r < d ? 2 * r : 2 * (r - d) + 1));
  // Per type: even output by start, odd by end, each halved → [start (T) | end (T)].
  const biasRows = Array.from({ length: 2 * t }, (_, r) => (r < t ? 2 * r : 2 * (r - t) + 1));
  return {
    qk: kernelFromRows(dense, denseBias, qkRows, 1),
    startEnd: kernelFromRows(tensors.get(SPAN_BIAS_WEIGHT)!, tensors.get(SPAN_BIAS_BIAS)!, biasRows, 0.5),
  };
}

function disposeHead(h: DeviceHead): void {
  tf.dispose([h.qk.kernel, h.qk.bias, ...(h.startEnd ? [h.startEnd.kernel, h.startEnd.bias] : [])]);
}

/** Span scores [types, L, L] of one encoded sequence; `keep` [L] marks the tokens spans may use. */
function scoreSpans(session: Session, head: SpanHeadInfo, dev: DeviceHead, ids: number[], typeIds: number[], keep: number[]): tf.Tensor4D {
  const l = ids.length;
  const hiddenSize = session.model.config.hiddenSize;
  const heads = head.qkHeads;
  const d = head.headSize;
  const types = head.labels.length;
  return tf.tidy(() => {
    const { lastHidden } = session.model.forward({
      inputIds: tf.tensor2d([ids], [1, l], 'int32'),
      typeIds: tf.tensor2d([typeIds], [1, l], 'int32'),
    });
    const hidden = tf.reshape(lastHidden, [l, hiddenSize]);                             // [L, H]
    const qk = tf.add(tf.matMul(hidden, dev.qk.kernel), dev.qk.bias);                   // [L, heads·2·D]
    const split = tf.transpose(tf.reshape(qk, [l, heads, 2, d]), [2, 1, 0, 3]);         // [q|k, heads, L, D]
    const q = tf.slice(split, [0, 0, 0, 0], [1, heads, l, d]) as tf.Tensor4D;           // [1, heads, L, D]
    const k = tf.slice(split, [1, 0, 0, 0], [1, heads, l, d]) as tf.Tensor4D;
    const mask = tf.tensor2d([keep], [1, l], 'float32');                                // [1, L]
    if (!dev.startEnd) return globalPointerScores(q, k, mask);                          // [1, heads, L, L]
    const se = tf.add(tf.matMul(hidden, dev.startEnd.kernel), dev.startEnd.bias);       // [L, 2·T]
    const byType = tf.reshape(tf.transpose(se), [2, types, l]);                         // [start|end, T, L]
    const biasStart = tf.slice(byType, [0, 0, 0], [1, types, l]) as tf.Tensor3D;        // [1, T, L]
    const biasEnd = tf.slice(byType, [1, 0, 0], [1, types, l]) as tf.Tensor3D;
    return globalPointerScores(q, k, mask, { biasStart, biasEnd });                     // [1, T, L, L]
  });
}

/** Every (type, i ≤ j) over kept tokens with score > threshold, the best `maxSpans` of them. */
export function selectSpans(
  scores: Float32Array, types: number, keep: number[], threshold: number, maxSpans: number,
): { picks: { type: number; i: number; j: number; score: number }[]; omitted: number } {
  const l = keep.length;
  const picks: { type: number; i: number; j: number; score: number }[] = [];
  for (let t = 0; t < types; t++) {
    for (let i = 0; i < l; i++) {
      if (!keep[i]) continue;
      for (let j = i; j < l; j++) {
        if (!keep[j]) continue;
        const score = scores[(t * l + i) * l + j]!;
        if (score > threshold) picks.push({ type: t, i, j, score });
      }
    }
  }
  if (picks.length <= maxSpans) return { picks, omitted: 0 };
  picks.sort((a, b) => b.score - a.score);
  return { picks: picks.slice(0, maxSpans), omitted: picks.length - maxSpans };
}

export async function extractSpans(session: Session, params: SpanParams, ctx: TaskContext): Promise<SpanResult> {
  const head = requireSpanHead(session.files.tensors, session.files.rawConfig, session.model.config.hiddenSize);
  const text = typeof params.text === 'string' ? params.text : '';
  if (!text.trim()) throw new TaskError('bad-input', 'Type a sentence to find spans in.');
  const threshold = params.threshold ?? 0;
  if (!Number.isFinite(threshold) || threshold <= THRESHOLD_FLOOR) {
    throw new TaskError('bad-input', `The threshold must be a number above ${THRESHOLD_FLOOR} (got ${String(params.threshold)}).`);
  }
  const maxSpans = Math.min(Math.max(Math.round(params.maxSpans ?? DEFAULT_MAX_SPANS), 1), MAX_SPANS_LIMIT);
  const enc = encodeChecked(session, text);
  // Spans live inside the text: the added [CLS]/[SEP] (segment null) are masked out.
  const keep = enc.segments.map((s) => (s === null ? 0 : 1));
  const types = head.labels.length;
  ctx.progress(0, 2, 'steps', 'encoder and span head');
  const dev = uploadHead(session.files.tensors, head);
  let scores: tf.Tensor4D;
  try {
    scores = scoreSpans(session, head, dev, enc.ids, enc.typeIds, keep);
  } finally {
    disposeHead(dev);
  }
  let values: Float32Array;
  try {
    values = (await scores.data()) as Float32Array; // [1, T, L, L]
  } finally {
    scores.dispose();
  }
  await yieldAndCheck(ctx.signal);
  ctx.progress(1, 2, 'steps', 'selecting spans');
  const { picks, omitted } = selectSpans(values, types, keep, threshold, maxSpans);
  const spans: Span[] = picks.map(({ type, i, j, score }) => {
    const start = enc.offsets[i]![0];
    const end = enc.offsets[j]![1];
    return { type, label: head.labels[type]!, startToken: i, endToken: j, start, end, text: text.slice(start, end), score };
  });
  spans.sort((a, b) => a.start - b.start || b.end - a.end || a.type - b.type || a.startToken - b.startToken);
  ctx.progress(2, 2, 'steps');
  return { text, tokens: enc.tokens, offsets: enc.offsets, head, threshold, spans, omitted };
}
