// Sentence vectors for ranking and search: the [CLS] position of the last layer, pooled, then
// L2-normalised so that a dot product is the cosine.
//
// Poolings (`auto` picks the first that the weights allow, in this order):
//   linear-pool    SimBERT's sentence vector: a linear layer on top of BERT's pooler,
//                  W·tanh(W_p·h_cls + b_p) + b, no activation after it. Read from the extra
//                  tensors `similarity_pool.dense.weight` [D, H] / `.bias` [D] (the name this
//                  project's trainer writes) or `pool.dense.weight` / `.bias`, PyTorch Linear
//                  layout (out × in). The loaders keep tensor names they do not recognise
//                  (validateWeights lists them as `unexpected`), so they reach us through
//                  `session.files.tensors`.
//   pooler         BERT's pooler: tanh(W_p·h_cls + b_p) (`bert.pooler.dense.*`).
//   pooler-linear  the pooler dense without tanh, W_p·h_cls + b_p: bert4keras's
//                  `with_pool='linear'`, for a SimBERT checkpoint exported with standard names.
//   cls            the raw [CLS] hidden state.
import * as tf from '@tensorflow/tfjs';
import { toFloat32, type RawTensor } from '../../model/weights/types';
import { TaskError } from '../../worker/protocol';
import type { Session } from '../session';

export type Pooling = 'linear-pool' | 'pooler' | 'pooler-linear' | 'cls';
export type PoolingChoice = Pooling | 'auto';

/** Accepted names of the linear pool, first match wins: [weight, bias]. */
export const LINEAR_POOL_NAMES = [
  ['similarity_pool.dense.weight', 'similarity_pool.dense.bias'],
  ['pool.dense.weight', 'pool.dense.bias'],
] as const;
const POOLER_WEIGHT = 'bert.pooler.dense.weight';
const POOLER_BIAS = 'bert.pooler.dense.bias';

export interface EncodedText {
  ids: number[];
  truncated: boolean;
}

interface Dense {
  kernel: tf.Tensor2D; // [H, D]
  bias: tf.Tensor1D; // [D]
}

function hasTensors(session: Session, ...names: string[]): boolean {
  return names.every((n) => session.files.tensors.has(n));
}

function linearPoolNames(session: Session): readonly [string, string] | undefined {
  return LINEAR_POOL_NAMES.find(([w, b]) => hasTensors(session, w, b));
}

/** [out, in] Linear weight → [in, out] kernel on the device, checking shapes. */
function uploadDense(weight: RawTensor, bias: RawTensor, hidden: number): Dense {
  const [out, inp] = weight.shape;
  if (weight.shape.length !== 2 || inp !== hidden || bias.shape.length !== 1 || bias.shape[0] !== out) {
    throw new TaskError(
      'bad-weights',
      `${weight.name} [${weight.shape.join(', ')}] and ${bias.name} [${bias.shape.join(', ')}] do not form a dense layer on the ${hidden}-wide hidden state (expected [D, ${hidden}] and [D]).`,
    );
  }
  return tf.tidy(() => ({
    kernel: tf.transpose(tf.tensor2d(toFloat32(weight), [out!, inp])) as tf.Tensor2D,
    bias: tf.tensor1d(toFloat32(bias)),
  }));
}

export function resolvePooling(session: Session, choice: PoolingChoice = 'auto'): Pooling {
  if (choice === 'auto') {
    if (session.model.hasPooler && linearPoolNames(session)) return 'linear-pool';
    return session.model.hasPooler ? 'pooler' : 'cls';
  }
  if (choice === 'linear-pool' && !linearPoolNames(session)) {
    const names = LINEAR_POOL_NAMES.map(([w]) => w.replace(/\.weight$/, '.*')).join(' or ');
    throw new TaskError('bad-input', `These weights have no SimBERT linear pool (${names}). Choose pooling "auto", "pooler" or "cls".`);
  }
  if ((choice === 'pooler' || choice === 'pooler-linear' || choice === 'linear-pool') && !hasTensors(session, POOLER_WEIGHT, POOLER_BIAS)) {
    throw new TaskError('bad-input', `These weights have no pooler (${POOLER_WEIGHT}). Choose pooling "cls".`);
  }
  if (!['linear-pool', 'pooler', 'pooler-linear', 'cls'].includes(choice)) {
    throw new TaskError('bad-input', `Unknown pooling "${String(choice)}": use auto, linear-pool, pooler, pooler-linear or cls.`);
  }
  return choice;
}

/** Encodes `[CLS] text [SEP]`, cut at `maxTokens` (specials included). Empty text is refused. */
export function encodeSentence(session: Session, text: string, maxTokens: number, what = 'The text'): EncodedText {
  if (!text.trim()) throw new TaskError('bad-input', `${what} is empty: type a sentence.`);
  const enc = session.tokenizer.encode(text, undefined, { maxLength: maxTokens });
  return { ids: enc.ids, truncated: enc.truncated };
}

/**
 * Turns batches of encoded sentences into unit vectors on the active backend. Holds the extra
 * dense layer (if the pooling needs one) until `dispose()`.
 */
export class SentenceEncoder {
  readonly pooling: Pooling;
  readonly dim: number;
  private readonly dense: Dense | null;

  constructor(
    private readonly session: Session,
    choice: PoolingChoice = 'auto',
  ) {
    this.pooling = resolvePooling(session, choice);
    const h = session.model.config.hiddenSize;
    const t = session.files.tensors;
    const linear = linearPoolNames(session);
    if (this.pooling === 'linear-pool') this.dense = uploadDense(t.get(linear![0])!, t.get(linear![1])!, h);
    else if (this.pooling === 'pooler-linear') this.dense = uploadDense(t.get(POOLER_WEIGHT)!, t.get(POOLER_BIAS)!, h);
    else this.dense = null;
    this.dim = this.dense ? this.dense.bias.shape[0] : h;
  }

  /** Unit vectors, one per id row (rows may differ in length; they are padded here). */
  async embed(rows: number[][]): Promise<Float32Array[]> {
    const b = rows.length;
    if (b === 0) return [];
    const l = Math.max(...rows.map((r) => r.length));
    const pad = this.session.tokenizer.padId;
    const model = this.session.model;
    const vectors = tf.tidy(() => {
      const ids = tf.tensor2d(rows.map((r) => [...r, ...new Array<number>(l - r.length).fill(pad)]), [b, l], 'int32');
      const mask = tf.tensor2d(rows.map((r) => [...r.map(() => 1), ...new Array<number>(l - r.length).fill(0)]), [b, l], 'int32');
      const { lastHidden } = model.forward({ inputIds: ids, attentionMask: mask }); // [B, L, H]
      const h = model.config.hiddenSize;
      // The input of the extra dense: the tanh pooler (linear-pool) or the raw [CLS] state.
      const base = this.pooling === 'pooler' || this.pooling === 'linear-pool'
        ? model.pooler(lastHidden) // [B, H]
        : (tf.slice(lastHidden, [0, 0, 0], [b, 1, h]).reshape([b, h]) as tf.Tensor2D); // [B, H]
      const v = this.dense ? (tf.add(tf.matMul(base, this.dense.kernel), this.dense.bias) as tf.Tensor2D) : base; // [B, D]
      const norm = tf.maximum(tf.norm(v, 'euclidean', 1, true), 1e-12); // [B, 1]
      return tf.div(v, norm) as tf.Tensor2D;
    });
    const flat = (await vectors.data()) as Float32Array;
    vectors.dispose();
    const d = this.dim;
    return Array.from({ length: b }, (_, i) => flat.slice(i * d, (i + 1) * d));
  }

  dispose(): void {
    if (this.dense) tf.dispose([this.dense.kernel, this.dense.bias]);
  }
}

/** Dot product of two unit vectors: their cosine. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
