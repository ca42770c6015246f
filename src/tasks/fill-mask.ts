// Fill-mask: for every [MASK] in the text, the top-k tokens with their probabilities.
import * as tf from '@tensorflow/tfjs';
import { TaskError } from '../worker/protocol';
import type { TaskContext } from './context';
import type { Session } from './session';

export interface FillMaskParams {
  text: string;
  topK?: number;
}

export interface FillMaskCandidate {
  token: string;
  id: number;
  probability: number;
}

export interface FillMaskResult {
  tokens: string[];
  /** One entry per [MASK], in order of position. */
  masks: { position: number; candidates: FillMaskCandidate[] }[];
  /** The text with each [MASK] replaced by its top-1 candidate. */
  filled: string;
}

export function encodeChecked(session: Session, text: string, pair?: string) {
  const maxLength = session.model.config.maxPositions;
  const enc = session.tokenizer.encode(text, pair);
  if (enc.ids.length > maxLength) {
    throw new TaskError(
      'bad-input',
      `The text is ${enc.ids.length} tokens long; this model reads at most ${maxLength} (max_position_embeddings). Shorten it.`,
    );
  }
  return enc;
}

export async function fillMask(session: Session, params: FillMaskParams, ctx: TaskContext): Promise<FillMaskResult> {
  if (!session.model.hasMlmHead) {
    throw new TaskError('bad-input', 'These weights have no MLM head (cls.predictions.*), so fill-mask is not available. Load a BertForMaskedLM / BertForPreTraining checkpoint.');
  }
  const text = params.text.trim();
  if (!text) throw new TaskError('bad-input', 'Type a sentence with at least one [MASK].');
  const topK = Math.min(Math.max(Math.round(params.topK ?? 5), 1), 50);
  const enc = encodeChecked(session, text);
  const maskId = session.tokenizer.maskId;
  const positions = enc.ids.flatMap((id, i) => (id === maskId ? [i] : []));
  if (positions.length === 0) throw new TaskError('bad-input', 'The text has no [MASK] token: write [MASK] where a character should be predicted.');
  ctx.progress(0, 1, 'forward');
  const probs = tf.tidy(() => {
    const ids = tf.tensor2d([enc.ids], [1, enc.ids.length], 'int32');
    const types = tf.tensor2d([enc.typeIds], [1, enc.ids.length], 'int32');
    const { lastHidden } = session.model.forward({ inputIds: ids, typeIds: types });
    // [1, L, H] → [P, H] at the mask positions
    const atMasks = tf.gather(lastHidden.squeeze([0]), tf.tensor1d(positions, 'int32')) as tf.Tensor2D;
    return tf.softmax(session.model.mlmLogits(atMasks) as tf.Tensor2D); // [P, V]
  });
  const { values, indices } = tf.topk(probs, topK);
  const [vals, idx] = await Promise.all([values.array(), indices.array()]);
  tf.dispose([probs, values, indices]);
  ctx.progress(1, 1, 'forward');
  const masks = positions.map((position, p) => ({
    position,
    candidates: idx[p]!.map((id, k) => ({ id, token: session.tokenizer.idToToken[id] ?? '[UNK]', probability: vals[p]![k]! })),
  }));
  const filledIds = enc.ids.slice();
  masks.forEach((m) => (filledIds[m.position] = m.candidates[0]!.id));
  return { tokens: enc.tokens, masks, filled: session.tokenizer.decode(filledIds, { skipSpecial: true }) };
}
