// Span heads stored next to the BERT weights, found by tensor name and described by the config.
//
// Two layouts (PyTorch Linear: weight [out, in], y = x·Wᵀ + b):
//   efficient_global_pointer  (what the project's trainer writes)
//     span_head.dense.weight      [2·D, H], .bias [2·D]   shared q/k: q = even outputs, k = odd
//     span_head.bias_dense.weight [2·T, H], .bias [2·T]   type t: output 2t is added by start
//                                                          token i, 2t + 1 by end token j, each /2
//   global_pointer            (Su's original, as bert4keras / bert4torch lay it out)
//     span_head.dense.weight      [T·2·D, H], .bias        head t owns outputs [2tD, 2tD + 2D):
//                                                          the first D are q, the next D are k
// Score s_t(i, j) = RoPE(q_i)·RoPE(k_j)/√D (+ start_t(i) + end_t(j)), interleaved RoPE pairs,
// base 10000, positions counted from [CLS] = 0.
//
// Config (config.json, or the native header's config), first match wins:
//   span_head: {labels: [...], head_size: 64, type: "efficient_global_pointer" | "global_pointer"}
//   span_types: [...], span_head_size: 64       (the trainer's own keys)
// Shapes decide everything the config leaves out; labels default to type_0, type_1, ….
import type { RawTensor } from '../../model/weights/types';
import { TaskError } from '../../worker/protocol';

export type SpanHeadKind = 'efficient_global_pointer' | 'global_pointer';

export const SPAN_DENSE_WEIGHT = 'span_head.dense.weight';
export const SPAN_DENSE_BIAS = 'span_head.dense.bias';
export const SPAN_BIAS_WEIGHT = 'span_head.bias_dense.weight';
export const SPAN_BIAS_BIAS = 'span_head.bias_dense.bias';

/** Head size bert4keras and the trainer default to, used when neither config nor shapes say. */
export const DEFAULT_HEAD_SIZE = 64;

export interface SpanHeadInfo {
  kind: SpanHeadKind;
  /** One label per span type (head), in output order. */
  labels: string[];
  /** D: width of q and of k per head. */
  headSize: number;
  /** Heads of q/k: 1 for the efficient layout (shared), one per type otherwise. */
  qkHeads: number;
  /** Where the labels came from. */
  labelSource: 'config' | 'default';
}

export interface SpanHeadConfig {
  labels?: string[];
  headSize?: number;
  kind?: SpanHeadKind;
}

export const MISSING_SPAN_HEAD =
  `These weights have no span head (${SPAN_DENSE_WEIGHT} and ${SPAN_DENSE_BIAS}, plus ${SPAN_BIAS_WEIGHT}/.bias for Efficient GlobalPointer). ` +
  'Load a checkpoint trained with a GlobalPointer span head (the trainer\'s span stage writes one).';

function badConfig(message: string): TaskError {
  return new TaskError('bad-weights', `The span head's config is unusable: ${message} Fix config.json (span_head) or remove the key.`);
}

function parseKind(value: unknown): SpanHeadKind {
  const key = String(value).toLowerCase().replace(/[^a-z]/g, '');
  if (key === 'efficientglobalpointer') return 'efficient_global_pointer';
  if (key === 'globalpointer') return 'global_pointer';
  throw badConfig(`span_head.type is "${String(value)}"; use "efficient_global_pointer" or "global_pointer".`);
}

function parseLabels(value: unknown, key: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    throw badConfig(`${key} must be a non-empty list of label names.`);
  }
  return value as string[];
}

function parseHeadSize(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 2 || value % 2 !== 0) {
    throw badConfig(`${key} must be an even whole number ≥ 2 (RoPE rotates pairs), got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** The span head's settings from a raw config JSON (all optional). */
export function parseSpanHeadConfig(raw: Record<string, unknown>): SpanHeadConfig {
  const out: SpanHeadConfig = {};
  const head = raw.span_head;
  if (head !== undefined && head !== null) {
    if (typeof head !== 'object' || Array.isArray(head)) throw badConfig('span_head must be an object like {"labels": [...], "head_size": 64}.');
    const h = head as Record<string, unknown>;
    if (h.labels !== undefined) out.labels = parseLabels(h.labels, 'span_head.labels');
    if (h.head_size !== undefined) out.headSize = parseHeadSize(h.head_size, 'span_head.head_size');
    if (h.type !== undefined) out.kind = parseKind(h.type);
  }
  if (out.labels === undefined && raw.span_types !== undefined) out.labels = parseLabels(raw.span_types, 'span_types');
  if (out.headSize === undefined && raw.span_head_size !== undefined) out.headSize = parseHeadSize(raw.span_head_size, 'span_head_size');
  return out;
}

const shapeText = (t: RawTensor) => `[${t.shape.join(', ')}]`;

function badShape(message: string): TaskError {
  return new TaskError('bad-weights', `The span head's tensors do not fit together: ${message}`);
}

/** Checks weight [out, hidden] + bias [out] and returns `out`. */
function denseOut(weight: RawTensor, bias: RawTensor | undefined, hidden: number): number {
  if (!bias) throw badShape(`${weight.name} has no bias ${weight.name.replace(/weight$/, 'bias')}.`);
  if (weight.shape.length !== 2 || weight.shape[1] !== hidden) {
    throw badShape(`${weight.name} is ${shapeText(weight)}, expected [out, ${hidden}] (out × the model's hidden size).`);
  }
  const out = weight.shape[0]!;
  if (bias.shape.length !== 1 || bias.shape[0] !== out) throw badShape(`${bias.name} is ${shapeText(bias)}, expected [${out}].`);
  return out;
}

function labelsFor(count: number, config: SpanHeadConfig): Pick<SpanHeadInfo, 'labels' | 'labelSource'> {
  if (config.labels) {
    if (config.labels.length !== count) {
      throw badConfig(`it names ${config.labels.length} labels (${config.labels.join(', ')}) but the weights have ${count} span types.`);
    }
    return { labels: config.labels, labelSource: 'config' };
  }
  return { labels: Array.from({ length: count }, (_, t) => `type_${t}`), labelSource: 'default' };
}

function checkHeadSize(d: number, config: SpanHeadConfig, what: string): number {
  if (!Number.isInteger(d) || d < 2 || d % 2 !== 0) throw badShape(`${what} gives a head size of ${d}; it must be an even whole number (RoPE rotates pairs).`);
  if (config.headSize !== undefined && config.headSize !== d) {
    throw badConfig(`head_size is ${config.headSize} but ${what} gives ${d}.`);
  }
  return d;
}

/**
 * Describes the span head in `tensors`, or returns null when there is none. Throws TaskError
 * 'bad-weights' when the tensors or the config are inconsistent.
 */
export function findSpanHead(tensors: Map<string, RawTensor>, rawConfig: Record<string, unknown>, hidden: number): SpanHeadInfo | null {
  const dense = tensors.get(SPAN_DENSE_WEIGHT);
  const biasDense = tensors.get(SPAN_BIAS_WEIGHT);
  if (!dense) {
    if (biasDense) throw badShape(`${SPAN_BIAS_WEIGHT} is there but ${SPAN_DENSE_WEIGHT} (the q/k projection) is missing.`);
    return null;
  }
  const config = parseSpanHeadConfig(rawConfig);
  const out = denseOut(dense, tensors.get(SPAN_DENSE_BIAS), hidden);
  const kind = config.kind ?? (biasDense ? 'efficient_global_pointer' : 'global_pointer');
  if (kind === 'efficient_global_pointer') {
    if (!biasDense) throw badShape(`the config says efficient_global_pointer but ${SPAN_BIAS_WEIGHT} (the per-type biases) is missing.`);
    const biasOut = denseOut(biasDense, tensors.get(SPAN_BIAS_BIAS), hidden);
    if (biasOut % 2 !== 0) throw badShape(`${SPAN_BIAS_WEIGHT} has ${biasOut} outputs; it needs two (start, end) per span type.`);
    const headSize = checkHeadSize(out / 2, config, `${SPAN_DENSE_WEIGHT} ${shapeText(dense)} (2 × head size outputs)`);
    return { kind, headSize, qkHeads: 1, ...labelsFor(biasOut / 2, config) };
  }
  if (biasDense) throw badShape(`the config says global_pointer, which has no ${SPAN_BIAS_WEIGHT}; set span_head.type to "efficient_global_pointer".`);
  let heads: number;
  let headSize: number;
  if (config.labels) {
    heads = config.labels.length;
    if (out % (2 * heads) !== 0) throw badShape(`${SPAN_DENSE_WEIGHT} has ${out} outputs, not a multiple of 2 × ${heads} labels.`);
    headSize = checkHeadSize(out / (2 * heads), config, `${SPAN_DENSE_WEIGHT} ${shapeText(dense)} with ${heads} labels`);
  } else {
    headSize = config.headSize ?? DEFAULT_HEAD_SIZE;
    if (out % (2 * headSize) !== 0) {
      throw badShape(
        `${SPAN_DENSE_WEIGHT} has ${out} outputs, not a multiple of 2 × head size ${headSize}. ` +
          'Give span_head.labels or span_head.head_size in config.json so the heads can be split.',
      );
    }
    heads = out / (2 * headSize);
    checkHeadSize(headSize, config, 'the config');
  }
  return { kind, headSize, qkHeads: heads, ...labelsFor(heads, config) };
}

/** Like findSpanHead, but a missing head is a TaskError 'bad-input' saying what is missing. */
export function requireSpanHead(tensors: Map<string, RawTensor>, rawConfig: Record<string, unknown>, hidden: number): SpanHeadInfo {
  const head = findSpanHead(tensors, rawConfig, hidden);
  if (!head) throw new TaskError('bad-input', MISSING_SPAN_HEAD);
  return head;
}
