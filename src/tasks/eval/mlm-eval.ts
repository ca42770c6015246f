// Masked-character accuracy of the MLM head on held-out sentences.
//
// Each sentence is encoded alone ([CLS] s [SEP], cut at the model's maximum length); ~rate of
// its single-CJK-character tokens ([UNK] excluded) are chosen with a per-sentence seeded RNG
// and all become [MASK]. Sentences go through the model in padded batches; the MLM head runs
// only on the masked rows, and a position is a top-1 / top-5 hit when its original id is the
// best / among the five best logits.
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../decoding/rng';
import { yieldAndCheck, type TaskContext } from '../context';
import type { Session } from '../session';
import { addTopK, countTopK, isCjkCharToken, NO_COUNTS, percent, selectMaskPositions, type TopKCounts } from './metrics';

export interface MlmEvalOptions {
  seed?: number;
  /** Share of each sentence's CJK character tokens that is masked (default 0.15). */
  rate?: number;
  /** Sentences per forward (default 16). */
  batchSize?: number;
}

export interface MlmEvalResult extends TopKCounts {
  sentences: number;
  top1Percent: number;
  top5Percent: number;
}

interface MaskedSentence {
  ids: number[];
  positions: number[];
  targets: number[];
}

/** The masked copy of one sentence; null when it has no CJK character to mask. */
export function maskSentence(session: Session, text: string, seed: number, rate: number): MaskedSentence | null {
  const tok = session.tokenizer;
  const enc = tok.encode(text, undefined, { maxLength: session.model.config.maxPositions });
  const candidates = enc.tokens.flatMap((t, i) => (enc.ids[i] !== tok.unkId && isCjkCharToken(t) ? [i] : []));
  const positions = selectMaskPositions(candidates, rate, createRng(seed));
  if (positions.length === 0) return null;
  const ids = enc.ids.slice();
  const targets = positions.map((p) => enc.ids[p]!);
  for (const p of positions) ids[p] = tok.maskId;
  return { ids, positions, targets };
}

/** Top-5 ids at the masked positions of a batch of sentences, one list per position in order. */
async function predictBatch(session: Session, batch: MaskedSentence[]): Promise<number[][]> {
  const b = batch.length;
  const l = Math.max(...batch.map((s) => s.ids.length));
  const pad = session.tokenizer.padId;
  const flat = batch.flatMap((s, r) => s.positions.map((p) => r * l + p)); // rows of [B·L]
  const top = tf.tidy(() => {
    const ids = tf.tensor2d(batch.map((s) => [...s.ids, ...new Array<number>(l - s.ids.length).fill(pad)]), [b, l], 'int32');
    const mask = tf.tensor2d(batch.map((s) => [...s.ids.map(() => 1), ...new Array<number>(l - s.ids.length).fill(0)]), [b, l], 'int32');
    const { lastHidden } = session.model.forward({ inputIds: ids, attentionMask: mask }); // [B, L, H]
    const h = session.model.config.hiddenSize;
    const rows = tf.gather(lastHidden.reshape([b * l, h]), tf.tensor1d(flat, 'int32')) as tf.Tensor2D; // [M, H]
    const logits = session.model.mlmLogits(rows) as tf.Tensor2D; // [M, V]
    return tf.topk(logits, 5).indices; // [M, 5]
  });
  const ranked = (await top.array()) as number[][];
  top.dispose();
  return ranked;
}

export async function evaluateMlm(session: Session, sentences: readonly string[], options: MlmEvalOptions, ctx: TaskContext): Promise<MlmEvalResult> {
  const seed = options.seed ?? 1;
  const rate = options.rate ?? 0.15;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 16));
  // One stream per sentence, so a sentence's mask does not depend on the --limit or the batch.
  const masked = sentences.flatMap((s, i) => maskSentence(session, s, seed * 1_000_003 + i, rate) ?? []);
  let counts = NO_COUNTS;
  for (let i = 0; i < masked.length; i += batchSize) {
    await yieldAndCheck(ctx.signal);
    const batch = masked.slice(i, i + batchSize);
    const ranked = await predictBatch(session, batch);
    counts = addTopK(counts, countTopK(batch.flatMap((s) => s.targets), ranked));
    ctx.progress(Math.min(i + batchSize, masked.length), masked.length, 'sentences', 'masked LM');
  }
  return { ...counts, sentences: masked.length, top1Percent: percent(counts.top1, counts.total), top5Percent: percent(counts.top5, counts.total) };
}
