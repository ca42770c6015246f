// Shared by the BERT tests: the tiny fixture model, its Hugging Face reference outputs, and
// comparisons that report where the worst difference is.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { parseBertConfig, type BertConfig } from './config';
import type { BertModel, WeightMap } from './bert';
import { readSafetensors } from './weights/safetensors';
import { toFloat32 } from './weights/types';

const MODEL_DIR = 'tests/fixtures/hf-tiny-bert-zh';
const REFERENCE = 'tests/fixtures/reference/tiny-bert-zh-reference.json';

type N2 = number[][];
type N3 = number[][][];
type N4 = number[][][][];

export interface RefInputs {
  input_ids: N2;
  token_type_ids: N2;
  attention_mask: N2;
  tokens: string[][];
  attention_mask_3d?: N3;
}

export interface RefOutputs {
  embeddings: N3;
  hidden_states: N4;
  attentions: number[][][][][];
  pooler_output: N2;
  nsp_logits?: N2;
  mlm_topk: { k: number; indices: N3; values: N3; logsumexp: N2 };
  mlm_logits_at_mask?: { batch: number; position: number; logits: number[] }[];
}

export interface RefCase {
  id: string;
  inputs: RefInputs;
  outputs: RefOutputs;
}

export interface RefIgCase {
  id: string;
  inputs: RefInputs;
  mask_position: number;
  target_id: number;
  alphas: number[];
  float32: { F_x: number; F_baseline: number; F_at_alpha: number[] };
}

export interface Reference {
  cases: RefCase[];
  unilm_cases: RefCase[];
  ig_cases: RefIgCase[];
}

export function loadReference(): Reference {
  return JSON.parse(readFileSync(REFERENCE, 'utf8')) as Reference;
}

export function tinyConfig(): BertConfig {
  return parseBertConfig(JSON.parse(readFileSync(`${MODEL_DIR}/config.json`, 'utf8')));
}

export function tinyWeights(): WeightMap {
  const raw = readSafetensors(new Uint8Array(readFileSync(`${MODEL_DIR}/model.safetensors`)));
  // Spelled out with toFloat32 (not weightMapFromRaw) so the test input does not depend on the code under test.
  return new Map(raw.map((t) => [t.name, { shape: t.shape, data: toFloat32(t) }]));
}

/** Max |a − b| over nested arrays, with the index path of the worst element. */
export function maxAbsDiff(actual: unknown, expected: unknown, path: number[] = []): { diff: number; at: number[] } {
  if (typeof expected === 'number') {
    const d = Math.abs((actual as number) - expected);
    return { diff: Number.isNaN(d) ? Infinity : d, at: path };
  }
  const e = expected as unknown[];
  const a = actual as unknown[];
  if (!Array.isArray(a) || a.length !== e.length) {
    throw new Error(`shape mismatch at [${path.join(', ')}]: got length ${Array.isArray(a) ? a.length : typeof a}, expected ${e.length}`);
  }
  let worst = { diff: 0, at: path };
  for (let i = 0; i < e.length; i++) {
    const r = maxAbsDiff(a[i], e[i], [...path, i]);
    if (r.diff > worst.diff) worst = r;
  }
  return worst;
}

export function expectClose(label: string, actual: unknown, expected: unknown, tol: number): void {
  const { diff, at } = maxAbsDiff(actual, expected);
  expect(diff, `${label}: max |diff| ${diff.toExponential(2)} at [${at.join(', ')}]`).toBeLessThanOrEqual(tol);
}

/** tf.tidy for functions returning plain objects/arrays of tensors. */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

export function int2d(rows: N2): tf.Tensor2D {
  return tf.tensor2d(rows, [rows.length, rows[0]!.length], 'int32');
}

/**
 * Checks MLM logits [B][L][V] (float32 rows) against the reference top-k and logsumexp at every
 * non-padding position. Near-ties may swap order, so: our logits at the reference indices must
 * match the reference values, our own top-k values must match too, and indices must agree
 * wherever neighbouring reference values are further apart than the tolerance.
 */
export function expectMlmMatches(label: string, logits: Float32Array, b: number, l: number, v: number, ref: RefCase, tol: number): void {
  const { indices, values, logsumexp, k } = ref.outputs.mlm_topk;
  let worst = 0;
  let where = '';
  const note = (d: number, what: string): void => {
    if (!(d <= worst)) {
      worst = Number.isNaN(d) ? Infinity : d;
      where = what;
    }
  };
  for (let bi = 0; bi < b; bi++) {
    for (let p = 0; p < l; p++) {
      if (!ref.inputs.attention_mask[bi]![p]) continue;
      const row = logits.subarray((bi * l + p) * v, (bi * l + p + 1) * v);
      const refIdx = indices[bi]![p]!;
      const refVal = values[bi]![p]!;
      for (let j = 0; j < k; j++) note(Math.abs(row[refIdx[j]!]! - refVal[j]!), `value of ref index ${refIdx[j]} at [${bi}, ${p}]`);
      const ours = topK(row, k);
      for (let j = 0; j < k; j++) {
        note(Math.abs(ours[j]!.value - refVal[j]!), `rank ${j} value at [${bi}, ${p}]`);
        const separated = (j === 0 || refVal[j - 1]! - refVal[j]! > 2 * tol) && (j === k - 1 || refVal[j]! - refVal[j + 1]! > 2 * tol);
        if (separated && ours[j]!.index !== refIdx[j]) note(Infinity, `rank ${j} index ${ours[j]!.index} ≠ ${refIdx[j]} at [${bi}, ${p}]`);
      }
      let max = -Infinity;
      for (const x of row) max = Math.max(max, x);
      let sum = 0;
      for (const x of row) sum += Math.exp(x - max);
      note(Math.abs(max + Math.log(sum) - logsumexp[bi]![p]!), `logsumexp at [${bi}, ${p}]`);
    }
  }
  expect(worst, `${label} MLM: worst |diff| ${worst.toExponential(2)} (${where})`).toBeLessThanOrEqual(tol);
}

function topK(row: Float32Array, k: number): { index: number; value: number }[] {
  const best: { index: number; value: number }[] = [];
  for (let i = 0; i < row.length; i++) {
    const value = row[i]!;
    if (best.length === k && value <= best[k - 1]!.value) continue;
    let j = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push({ index: i, value });
    while (j > 0 && best[j - 1]!.value < value) {
      best[j] = best[j - 1]!;
      j--;
    }
    best[j] = { index: i, value };
  }
  return best;
}

function maskRowLogits(model: BertModel, hidden: tf.Tensor3D, c: RefCase): tf.Tensor | null {
  const at = c.outputs.mlm_logits_at_mask ?? [];
  if (at.length === 0) return null;
  const [, l, h] = hidden.shape;
  const rows = tf.tensor1d(at.map((m) => m.batch * l + m.position), 'int32');
  return model.mlmLogits(tf.gather(hidden.reshape([-1, h]), rows) as tf.Tensor2D); // [count, V]
}

/**
 * The full logits rows the reference lists for its [MASK] positions, taken from [B·L·V] logits,
 * or from [count·V] rows in reference order when `compact`.
 */
export function expectMaskLogits(label: string, logits: Float32Array, l: number, v: number, ref: RefCase, tol: number, compact = false): void {
  for (const [i, m] of (ref.outputs.mlm_logits_at_mask ?? []).entries()) {
    const start = (compact ? i : m.batch * l + m.position) * v;
    expectClose(`${label} logits at [${m.batch}, ${m.position}]`, Array.from(logits.subarray(start, start + v)), m.logits, tol);
  }
}

/** A reference case's inputs as tensors: ids, token types and the [B, L] (or [B, L, L]) mask. */
function caseTensors(c: RefCase, useMask3d: boolean) {
  const { input_ids, token_type_ids, attention_mask, attention_mask_3d } = c.inputs;
  const b = input_ids.length;
  const l = input_ids[0]!.length;
  const mask = useMask3d && attention_mask_3d ? tf.tensor3d(attention_mask_3d, [b, l, l], 'int32') : int2d(attention_mask);
  return { b, l, ids: int2d(input_ids), types: int2d(token_type_ids), mask };
}

/**
 * One reference case through the model, everything downloaded as nested arrays. `mlm: 'all'`
 * gives MLM logits [B·L·V] for every position; `'mask'` only the rows the reference lists in
 * `mlm_logits_at_mask`, [count·V] in that order (the vocabulary matmul is slow on software WebGPU).
 */
export async function runCase(model: BertModel, c: RefCase, useMask3d: boolean, mlm: 'all' | 'mask' = 'all') {
  const { b, l, ids, types, mask } = caseTensors(c, useMask3d);
  const out = tidy(() => {
    const f = model.forward({ inputIds: ids, typeIds: types, attentionMask: mask, outputAttentions: true, outputHiddenStates: true });
    const pooled = model.hasPooler ? model.pooler(f.lastHidden) : null;
    return {
      embeddings: f.embeddings,
      hidden: tf.stack(f.hiddenStates), // [layers, B, L, H]
      attentions: tf.stack(f.attentions!), // [layers, B, N, L, L]
      pooled,
      nsp: pooled && model.hasNsp ? model.nspLogits(pooled) : null,
      mlm: !model.hasMlmHead ? null : mlm === 'all' ? model.mlmLogits(f.lastHidden) : maskRowLogits(model, f.lastHidden, c),
    };
  });
  const result = {
    b,
    l,
    embeddings: (await out.embeddings.array()) as N3,
    hiddenStates: (await out.hidden.array()) as N4,
    attentions: (await out.attentions.array()) as number[][][][][],
    pooled: out.pooled ? ((await out.pooled.array()) as N2) : null,
    nsp: out.nsp ? ((await out.nsp.array()) as N2) : null,
    mlm: out.mlm ? ((await out.mlm.data()) as Float32Array) : null,
  };
  tf.dispose([ids, types, mask, out as unknown as tf.TensorContainer]);
  return result;
}

/**
 * Every layer's output [layers][B][L][H] of a forward that returns no attention probabilities:
 * the path a plain forward takes (fused attention on the projections' layout, where the backend has it).
 */
export async function hiddenStatesWithoutAttentions(model: BertModel, c: RefCase, useMask3d: boolean): Promise<N4> {
  const { ids, types, mask } = caseTensors(c, useMask3d);
  const hidden = tf.tidy(() => {
    const f = model.forward({ inputIds: ids, typeIds: types, attentionMask: mask, outputHiddenStates: true });
    return tf.stack(f.hiddenStates); // [layers, B, L, H]
  });
  const out = (await hidden.array()) as N4;
  tf.dispose([ids, types, mask, hidden]);
  return out;
}
