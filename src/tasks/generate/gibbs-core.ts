// The model-side pieces of Gibbs sampling from an MLM, and the Metropolis–Hastings rule.
//
// A chain is a token sequence x of length L between [CLS] and [SEP]. One Gibbs step masks a
// position p, runs the MLM and samples x_p from its conditional there (after excluding special
// tokens, temperature and top-k). Sampling happens on the CPU from the probabilities read back.
//
// BERT's conditionals need not come from any joint distribution, so plain Gibbs has no guaranteed
// stationary distribution. The MH variant (Goyal, Dyer & Berg-Kirkpatrick 2021) keeps the MLM
// conditional as the proposal and corrects it towards an explicit target:
//
//   energy    E(x) = −Σ_i log softmax(f(x with position i masked))_i[x_i]
//             (the negated pseudo-log-likelihood: the locally normalised energy of the paper),
//             the full softmax of the MLM at temperature 1.
//   target    π_T(x) ∝ exp(−E(x) / T) over sequences free of excluded tokens.
//   proposal  q(x' | x) = q_p(x'_p) with q_p the processed conditional at p given x_{−p}; the
//             reverse move uses the same conditional (x and x' agree off p), so
//             α = min(1, exp((E(x) − E(x')) / T) · q_p(x_p) / q_p(x'_p)).
// With top-k, q_p(x_p) is 0 when the current token is outside the top k: such moves are refused.
import * as tf from '@tensorflow/tfjs';
import type { BertModel } from '../../model/bert';
import type { BertTokenizer } from '../../model/tokenizer';
import { logSoftmax } from '../decoding/processors';
import { topIndices } from '../decoding/select';

const excludedCache = new WeakMap<BertTokenizer, Uint8Array>();

/** 1 for tokens never sampled: [PAD] [UNK] [CLS] [SEP] [MASK], other special tokens, [unused…]. */
export function excludedTokens(tokenizer: BertTokenizer): Uint8Array {
  let mask = excludedCache.get(tokenizer);
  if (mask) return mask;
  mask = new Uint8Array(tokenizer.idToToken.length);
  const special = new Set(tokenizer.specialTokens);
  tokenizer.idToToken.forEach((t, id) => {
    if (special.has(t) || /^\[unused\d*\]$/i.test(t) || /^\[[A-Z]+\]$/.test(t)) mask![id] = 1;
  });
  excludedCache.set(tokenizer, mask);
  return mask;
}

/** Ids a generated text must never contain: the excluded tokens except the end token. */
export function bannedInGeneration(tokenizer: BertTokenizer): number[] {
  const excluded = excludedTokens(tokenizer);
  const ids: number[] = [];
  excluded.forEach((x, id) => x && id !== tokenizer.sepId && ids.push(id));
  return ids;
}

/** Whether every token of x may be sampled (x lies in the target's support). */
export function inSupport(x: readonly number[], excluded: Uint8Array): boolean {
  return x.every((id) => !excluded[id]);
}

/**
 * Normalised log-probabilities of the proposal at one position (float64, −Infinity where
 * banned): excluded tokens removed, logits / temperature, then only the top-k kept (k ≤ 0: all).
 */
export function proposalLogProbs(logits: ArrayLike<number>, excluded: Uint8Array, temperature: number, topK: number): Float64Array {
  const v = logits.length;
  const scores = new Float64Array(v);
  for (let i = 0; i < v; i++) scores[i] = excluded[i] ? -Infinity : logits[i]! / temperature;
  if (topK > 0 && topK < v) {
    const keep = new Uint8Array(v);
    for (const i of topIndices(scores, topK)) keep[i] = 1;
    for (let i = 0; i < v; i++) if (!keep[i]) scores[i] = -Infinity;
  }
  return logSoftmax(scores);
}

/** log α of the MH rule above (≤ 0); −Infinity when the reverse move is impossible. */
export function mhLogAcceptance(energyCurrent: number, energyProposed: number, logqReverse: number, logqForward: number, temperature: number): number {
  if (logqReverse === -Infinity) return -Infinity;
  return Math.min(0, (energyCurrent - energyProposed) / temperature + logqReverse - logqForward);
}

/** `[CLS] x [SEP]` rows with position `masked[r]` of row r (0-based in x) set to [MASK]. */
function maskedRows(tokenizer: BertTokenizer, xs: readonly (readonly number[])[], masked: readonly number[]): number[][] {
  return xs.map((x, r) => {
    const row = [tokenizer.clsId, ...x, tokenizer.sepId];
    row[masked[r]! + 1] = tokenizer.maskId;
    return row;
  });
}

/**
 * MLM logits at one masked position per row: rows `xs` (all of length L) with x_r[positions[r]]
 * replaced by [MASK] → R rows of V logits, read back to the CPU.
 */
export async function conditionalLogits(model: BertModel, tokenizer: BertTokenizer, xs: readonly (readonly number[])[], positions: readonly number[]): Promise<Float32Array[]> {
  const r = xs.length;
  const l = xs[0]!.length + 2;
  const v = model.config.vocabSize;
  const logits = tf.tidy(() => {
    const ids = tf.tensor2d(maskedRows(tokenizer, xs, positions), [r, l], 'int32');
    const { lastHidden } = model.forward({ inputIds: ids }); // [R, L, H]
    const h = model.config.hiddenSize;
    const at = tf.tensor1d(positions.map((p, i) => i * l + p + 1), 'int32');
    const rows = tf.gather(lastHidden.reshape([r * l, h]), at) as tf.Tensor2D; // [R, H] at the masks
    return model.mlmLogits(rows); // [R, V]
  });
  const flat = (await logits.data()) as Float32Array;
  logits.dispose();
  return Array.from({ length: r }, (_, i) => flat.slice(i * v, (i + 1) * v));
}

/** Sequences per forward when scoring energies: bounds the [rows, V] logits held at once. */
export const ENERGY_CHUNK = 128;

/**
 * E(x) for each sequence (see the file header): every position masked in turn, one batched
 * forward per chunk of ENERGY_CHUNK masked copies; the log-softmax and the pick of x_i's entry
 * happen on the device, so only one number per copy is read back.
 */
export async function energies(
  model: BertModel, tokenizer: BertTokenizer, xs: readonly (readonly number[])[], beforeChunk?: () => Promise<void>, chunkSize = ENERGY_CHUNK,
): Promise<number[]> {
  if (xs.length === 0) return [];
  const len = xs[0]!.length;
  const copies: { row: number; pos: number }[] = [];
  xs.forEach((_, row) => {
    for (let pos = 0; pos < len; pos++) copies.push({ row, pos });
  });
  const out = new Array<number>(xs.length).fill(0);
  const l = len + 2;
  const v = model.config.vocabSize;
  const h = model.config.hiddenSize;
  for (let start = 0; start < copies.length; start += chunkSize) {
    await beforeChunk?.();
    const chunk = copies.slice(start, start + chunkSize);
    const m = chunk.length;
    const picked = tf.tidy(() => {
      const ids = tf.tensor2d(maskedRows(tokenizer, chunk.map((c) => xs[c.row]!), chunk.map((c) => c.pos)), [m, l], 'int32');
      const { lastHidden } = model.forward({ inputIds: ids }); // [M, L, H]
      const at = tf.tensor1d(chunk.map((c, i) => i * l + c.pos + 1), 'int32');
      const logits = model.mlmLogits(tf.gather(lastHidden.reshape([m * l, h]), at) as tf.Tensor2D) as tf.Tensor2D; // [M, V]
      const logProbs = tf.sub(logits, tf.logSumExp(logits, 1, true)); // [M, V]
      const flatAt = tf.tensor1d(chunk.map((c, i) => i * v + xs[c.row]![c.pos]!), 'int32');
      return tf.gather(logProbs.reshape([m * v]), flatAt); // [M]: log p(x_i | x_{−i})
    });
    const lp = await picked.data();
    picked.dispose();
    chunk.forEach((c, i) => (out[c.row] = out[c.row]! - lp[i]!));
  }
  return out;
}
