// What integrated gradients explains: the scalar F(inputs) and the token sequences it reads.
//
// Three targets, each a function of the word embeddings only (the model adds position and
// segment embeddings itself):
//   mlm         log p(target token | input) at one [MASK] position (needs the MLM head);
//   similarity  cosine of the pooled [CLS] vectors of two sentences encoded separately;
//   nsp         the next-sentence head's "B follows A" logit for a sentence pair. No weight
//               format we load carries a fine-tuned classification head, so the pre-training
//               NSP head is the sentence-pair classifier available to explain.
import * as tf from '@tensorflow/tfjs';
import type { Encoding } from '../../model/tokenizer';
import { TaskError } from '../../worker/protocol';
import type { Session } from '../session';

export type IgTarget = 'mlm' | 'similarity' | 'nsp';

export interface IgTargetParams {
  target?: IgTarget;
  /** mlm: [text] or [a, b] (one pair); similarity: [a, b] (two sentences); nsp: [a, b] (one pair). */
  texts?: string[];
  /** Explicit ids instead of texts: one row (mlm, nsp) or two rows (similarity). */
  inputIds?: number[][];
  typeIds?: number[][];
  attentionMask?: number[][];
  /** Token index of the [MASK] to explain (mlm); default: the first [MASK]. */
  maskPosition?: number;
  /** Or which [MASK] of the text, counting from 0 (the page's chooser). */
  maskOccurrence?: number;
  /** The token whose log-probability is explained (mlm), by text or by id. */
  targetToken?: string;
  targetId?: number;
}

/** One encoded sequence; `texts[segment]` is the original text an offset points into. */
export interface IgSequence {
  texts: string[];
  ids: number[];
  typeIds: number[];
  attentionMask: number[];
  tokens: string[];
  offsets: ([number, number] | null)[];
  segments: (0 | 1 | null)[];
}

export interface PreparedTarget {
  kind: IgTarget;
  /** Human-readable F, e.g. `log p("首" | [MASK] @ 7)`. */
  label: string;
  targetId: number | null;
  maskPosition: number | null;
  sequences: IgSequence[];
  /** F at K points: word embeddings [K, L_s, H] per sequence → [K]. */
  evaluate(embeds: tf.Tensor3D[]): tf.Tensor1D;
}

function fromEncoding(enc: Encoding, texts: string[]): IgSequence {
  return {
    texts, ids: enc.ids, typeIds: enc.typeIds, attentionMask: enc.attentionMask, tokens: enc.tokens, offsets: enc.offsets, segments: enc.segments,
  };
}

function encodeText(session: Session, a: string, b?: string): IgSequence {
  const max = session.model.config.maxPositions;
  const enc = session.tokenizer.encode(a, b);
  if (enc.ids.length > max) {
    throw new TaskError('bad-input', `The input is ${enc.ids.length} tokens long; this model reads at most ${max} (max_position_embeddings). Shorten it.`);
  }
  return fromEncoding(enc, b === undefined ? [a] : [a, b]);
}

function explicitSequence(session: Session, p: IgTargetParams, row: number): IgSequence {
  const { vocabSize, maxPositions, typeVocabSize } = session.model.config;
  const ids = p.inputIds![row]!;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > maxPositions || ids.some((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize)) {
    throw new TaskError('bad-input', `input_ids[${row}] must be 1..${maxPositions} integers in [0, ${vocabSize}).`);
  }
  const typeIds = p.typeIds?.[row] ?? ids.map(() => 0);
  const attentionMask = p.attentionMask?.[row] ?? ids.map(() => 1);
  if (typeIds.length !== ids.length || typeIds.some((t) => !Number.isInteger(t) || t < 0 || t >= typeVocabSize)) {
    throw new TaskError('bad-input', `token_type_ids[${row}] must have ${ids.length} entries in [0, ${typeVocabSize}).`);
  }
  if (attentionMask.length !== ids.length || attentionMask.some((m) => m !== 0 && m !== 1)) {
    throw new TaskError('bad-input', `attention_mask[${row}] must have ${ids.length} entries of 0 or 1.`);
  }
  return {
    texts: [], ids, typeIds, attentionMask,
    tokens: session.tokenizer.convertIdsToTokens(ids), offsets: ids.map(() => null), segments: ids.map(() => null),
  };
}

function sequencesFor(session: Session, p: IgTargetParams, kind: IgTarget): IgSequence[] {
  const rowsWanted = kind === 'similarity' ? 2 : 1;
  if (p.inputIds) {
    if (p.inputIds.length !== rowsWanted) {
      throw new TaskError('bad-input', `The ${kind} target reads ${rowsWanted} row${rowsWanted > 1 ? 's' : ''} of input_ids, got ${p.inputIds.length}.`);
    }
    return p.inputIds.map((_, r) => explicitSequence(session, p, r));
  }
  const texts = (p.texts ?? []).map((t) => (typeof t === 'string' ? t.trim() : ''));
  if (texts.length === 0 || texts.some((t) => !t)) throw new TaskError('bad-input', 'Type the text to explain.');
  if (kind === 'mlm') {
    if (texts.length > 2) throw new TaskError('bad-input', 'The [MASK] target reads one text or one sentence pair.');
    return [encodeText(session, texts[0]!, texts[1])];
  }
  if (texts.length !== 2) throw new TaskError('bad-input', `The ${kind === 'nsp' ? 'next-sentence' : 'similarity'} target needs two sentences.`);
  return kind === 'nsp' ? [encodeText(session, texts[0]!, texts[1])] : [encodeText(session, texts[0]!), encodeText(session, texts[1]!)];
}

function resolveTargetId(session: Session, p: IgTargetParams): number {
  const { vocab, idToToken } = session.tokenizer;
  if (p.targetId !== undefined && p.targetId !== null) {
    if (!Number.isInteger(p.targetId) || p.targetId < 0 || p.targetId >= idToToken.length) {
      throw new TaskError('bad-input', `Target id ${p.targetId} is outside this vocabulary (0..${idToToken.length - 1}).`);
    }
    return p.targetId;
  }
  const token = (p.targetToken ?? '').trim();
  if (!token) throw new TaskError('bad-input', 'Choose the target token whose probability at [MASK] should be explained.');
  const id = vocab.get(token) ?? (session.tokenizer.doLowerCase ? vocab.get(token.toLowerCase()) : undefined);
  if (id === undefined) {
    throw new TaskError(
      'bad-input',
      `"${token}" is not in this model's vocabulary (${idToToken.length} tokens), so its probability cannot be explained. Pick a single vocabulary token (one character for a Chinese BERT), e.g. one of the fill-mask candidates.`,
    );
  }
  return id;
}

function needPooler(session: Session, what: string): void {
  if (!session.model.hasPooler) {
    throw new TaskError('bad-input', `These weights have no pooler (bert.pooler.dense.*), which the ${what} target reads. Load a checkpoint that includes it.`);
  }
}

/** Ids, types and mask of a sequence tiled to K rows, as int32 tensors [K, L]. */
function tiled(seq: IgSequence, k: number) {
  const l = seq.ids.length;
  const rep = (row: number[]) => tf.tensor2d(Array.from({ length: k }, () => row), [k, l], 'int32');
  return { inputIds: rep(seq.ids), typeIds: rep(seq.typeIds), attentionMask: rep(seq.attentionMask) };
}

/** Validates the request and builds F. Throws TaskError naming what is missing or wrong. */
export function prepareTarget(session: Session, p: IgTargetParams): PreparedTarget {
  const kind = p.target ?? 'mlm';
  if (!['mlm', 'similarity', 'nsp'].includes(kind)) throw new TaskError('bad-input', `Unknown target "${String(kind)}": use mlm, similarity or nsp.`);
  const { model, tokenizer } = session;
  if (kind === 'mlm' && !model.hasMlmHead) {
    throw new TaskError(
      'bad-input',
      'These weights have no MLM head (cls.predictions.*), so the probability of a token at [MASK] cannot be explained. Load a BertForMaskedLM / BertForPreTraining checkpoint, or use the similarity target.',
    );
  }
  if (kind !== 'mlm') needPooler(session, kind === 'nsp' ? 'next-sentence' : 'similarity');
  if (kind === 'nsp' && !model.hasNsp) {
    throw new TaskError('bad-input', 'These weights have no next-sentence head (cls.seq_relationship.*). Load a BertForPreTraining checkpoint, or use the similarity target.');
  }
  const sequences = sequencesFor(session, p, kind);
  if (kind === 'similarity') {
    return {
      kind, label: 'cos(pooled A, pooled B)', targetId: null, maskPosition: null, sequences,
      evaluate(embeds) {
        const pooled = sequences.map((seq, s) => {
          const k = embeds[s]!.shape[0];
          const t = tiled(seq, k);
          return model.pooler(model.forward({ ...t, inputsEmbeds: embeds[s]! }).lastHidden); // [K, H]
        });
        const [a, b] = pooled as [tf.Tensor2D, tf.Tensor2D];
        const dot = tf.sum(tf.mul(a, b), 1); // [K]
        return tf.div(dot, tf.mul(tf.norm(a, 'euclidean', 1), tf.norm(b, 'euclidean', 1))) as tf.Tensor1D;
      },
    };
  }
  const seq = sequences[0]!;
  if (kind === 'nsp') {
    return {
      kind, label: 'NSP logit "B follows A"', targetId: null, maskPosition: null, sequences,
      evaluate([embeds]) {
        const t = tiled(seq, embeds!.shape[0]);
        const logits = model.nspLogits(model.pooler(model.forward({ ...t, inputsEmbeds: embeds! }).lastHidden)); // [K, 2]
        return tf.squeeze(tf.slice(logits, [0, 0], [-1, 1]), [1]) as tf.Tensor1D;
      },
    };
  }
  const maskPositions = seq.ids.flatMap((id, i) => (id === tokenizer.maskId ? [i] : []));
  if (p.maskOccurrence !== undefined && p.maskPosition === undefined && maskPositions.length > 0 && !(p.maskOccurrence >= 0 && p.maskOccurrence < maskPositions.length)) {
    throw new TaskError('bad-input', `The text has ${maskPositions.length} [MASK] token(s); choose one of them.`);
  }
  const maskPosition = p.maskPosition ?? maskPositions[p.maskOccurrence ?? 0];
  if (maskPosition === undefined) throw new TaskError('bad-input', 'The text has no [MASK]: write [MASK] where the target token should be predicted.');
  if (!Number.isInteger(maskPosition) || maskPosition < 0 || maskPosition >= seq.ids.length) {
    throw new TaskError('bad-input', `mask_position ${maskPosition} is outside the ${seq.ids.length} tokens.`);
  }
  const targetId = resolveTargetId(session, p);
  const h = model.config.hiddenSize;
  return {
    kind, label: `log p("${tokenizer.idToToken[targetId]}" | ${seq.tokens[maskPosition]} @ ${maskPosition})`, targetId, maskPosition, sequences,
    evaluate([embeds]) {
      const k = embeds!.shape[0];
      const t = tiled(seq, k);
      const { lastHidden } = model.forward({ ...t, inputsEmbeds: embeds! }); // [K, L, H]
      const row = tf.slice(lastHidden, [0, maskPosition, 0], [k, 1, h]).reshape([k, h]) as tf.Tensor2D; // [K, H]
      const logProbs = tf.logSoftmax(model.mlmLogits(row) as tf.Tensor2D); // [K, V]
      return tf.squeeze(tf.slice(logProbs, [0, targetId], [k, 1]), [1]) as tf.Tensor1D;
    },
  };
}
