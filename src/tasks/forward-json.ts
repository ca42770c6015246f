// The `forward` request format of the CLI: texts (or text pairs) or explicit ids in, every
// layer's hidden states, the pooled output and the MLM logits at [MASK] positions out.
import * as tf from '@tensorflow/tfjs';
import { TaskError } from '../worker/protocol';
import type { Session } from './session';

export interface ForwardRequest {
  texts?: (string | [string, string])[];
  input_ids?: number[][];
  token_type_ids?: number[][];
  attention_mask?: number[][];
  /** [B][L][L]: 1 where query q may attend to key k (e.g. a UniLM mask). */
  attention_mask_3d?: number[][][];
}

export interface ForwardResponse {
  input_ids: number[][];
  embeddings: number[][][];
  hidden_states: number[][][][];
  pooler_output: number[][] | null;
  mlm_logits_at_mask: { batch: number; position: number; logits: number[] }[];
}

function isMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.every((row) => Array.isArray(row) && row.every((x) => Number.isInteger(x)));
}

function rectangular(name: string, m: number[][], b: number, l: number): void {
  if (m.length !== b || m.some((row) => row.length !== l)) {
    throw new TaskError('bad-input', `${name} must be ${b}×${l} like input_ids.`);
  }
}

export async function forwardJson(session: Session, raw: Record<string, unknown>): Promise<ForwardResponse> {
  const req = raw as ForwardRequest;
  const { tokenizer, model } = session;
  let inputIds: number[][];
  let typeIds: number[][];
  let mask2d: number[][];
  if (Array.isArray(req.texts)) {
    if (req.texts.length === 0) throw new TaskError('bad-input', '"texts" is empty.');
    const batch = tokenizer.encodeBatch(req.texts, {});
    inputIds = batch.inputIds;
    typeIds = batch.typeIds;
    mask2d = batch.attentionMask;
  } else if (isMatrix(req.input_ids) && req.input_ids.length > 0) {
    inputIds = req.input_ids;
    const b = inputIds.length;
    const l = inputIds[0]!.length;
    rectangular('input_ids', inputIds, b, l);
    typeIds = isMatrix(req.token_type_ids) ? req.token_type_ids : inputIds.map((r) => r.map(() => 0));
    mask2d = isMatrix(req.attention_mask) ? req.attention_mask : inputIds.map((r) => r.map(() => 1));
    rectangular('token_type_ids', typeIds, b, l);
    rectangular('attention_mask', mask2d, b, l);
    if (inputIds.some((r) => r.some((id) => id < 0 || id >= model.config.vocabSize))) {
      throw new TaskError('bad-input', `input_ids must lie in [0, ${model.config.vocabSize}).`);
    }
  } else {
    throw new TaskError('bad-input', 'Each line needs "texts" (strings or [a, b] pairs) or "input_ids" (a 2-D array).');
  }
  const b = inputIds.length;
  const l = inputIds[0]!.length;
  if (l > model.config.maxPositions) {
    throw new TaskError('bad-input', `The input is ${l} tokens long; this model reads at most ${model.config.maxPositions}.`);
  }
  const mask3d = req.attention_mask_3d;
  if (mask3d !== undefined && (!Array.isArray(mask3d) || mask3d.length !== b || mask3d.some((m) => !isMatrix(m) || m.length !== l || m.some((r) => r.length !== l)))) {
    throw new TaskError('bad-input', `attention_mask_3d must be ${b}×${l}×${l}.`);
  }
  const maskPositions: { batch: number; position: number }[] = [];
  inputIds.forEach((row, bi) => row.forEach((id, p) => id === tokenizer.maskId && maskPositions.push({ batch: bi, position: p })));

  // Tensors kept out of tidy: [embeddings, stacked hidden states, pooled?, logits?]
  const kept = tf.tidy(() => {
    const ids = tf.tensor2d(inputIds, [b, l], 'int32');
    const types = tf.tensor2d(typeIds, [b, l], 'int32');
    const attentionMask = mask3d ? tf.tensor3d(mask3d, [b, l, l], 'float32') : tf.tensor2d(mask2d, [b, l], 'float32');
    const res = model.forward({ inputIds: ids, typeIds: types, attentionMask, outputHiddenStates: true });
    const pooled = model.hasPooler ? model.pooler(res.lastHidden) : tf.zeros([0]);
    let logits: tf.Tensor = tf.zeros([0]);
    if (model.hasMlmHead && maskPositions.length) {
      const flat = res.lastHidden.reshape([b * l, model.config.hiddenSize]) as tf.Tensor2D; // [B·L, H]
      const rows = tf.tensor1d(maskPositions.map((m) => m.batch * l + m.position), 'int32');
      logits = model.mlmLogits(tf.gather(flat, rows)); // [P, V]
    }
    return [res.embeddings, tf.stack(res.hiddenStates), pooled, logits];
  });
  const [embeddings, hidden, pooled, logits] = (await Promise.all(kept.map((t) => t.array()))) as [
    number[][][],
    number[][][][],
    number[][],
    number[][],
  ];
  tf.dispose(kept);
  return {
    input_ids: inputIds,
    embeddings,
    hidden_states: hidden,
    pooler_output: model.hasPooler ? pooled : null,
    mlm_logits_at_mask: logits.length ? maskPositions.map((m, i) => ({ ...m, logits: logits[i]! })) : [],
  };
}
