import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { googleName } from './google-names.testutil';
import { isCanonicalName, toCanonical, transpose2d } from './names';
import { readSafetensors } from './safetensors';
import { listTfCheckpoint, readTfCheckpoint, writeTfCheckpoint } from './tf-bundle';
import { toFloat32, WeightFormatError, type RawTensor } from './types';

const hf = readSafetensors(new Uint8Array(readFileSync('tests/fixtures/hf-tiny-bert-zh/model.safetensors')));

function f32(shape: number[], values?: number[]): RawTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name: '', dtype: 'float32', shape, bytes: new Uint8Array(Float32Array.from(values ?? Array.from({ length: n }, (_, i) => i)).buffer) };
}
const named = (name: string, t: RawTensor): RawTensor => ({ ...t, name });

/** Google names for HF names (null: no TF variable). */
function toGoogleName(name: string): string | null {
  return googleName(name)?.name ?? null;
}

describe('canonical weight names', () => {
  it('transposes [rows, cols] for 4-, 2- and 8-byte elements', () => {
    const t = transpose2d(named('k', f32([2, 3], [1, 2, 3, 4, 5, 6])));
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(toFloat32(t))).toEqual([1, 4, 2, 5, 3, 6]);
    const half: RawTensor = { name: 'h', dtype: 'float16', shape: [2, 2], bytes: new Uint8Array(new Uint16Array([1, 2, 3, 4]).buffer) };
    expect(Array.from(new Uint16Array(transpose2d(half).bytes.buffer))).toEqual([1, 3, 2, 4]);
    const longs: RawTensor = { name: 'l', dtype: 'int64', shape: [1, 3], bytes: new Uint8Array(new BigInt64Array([7n, 8n, 9n]).buffer) };
    expect(Array.from(toFloat32(transpose2d(longs)))).toEqual([7, 8, 9]);
  });

  it('maps every variable of the Google BERT fixture index to a canonical name', () => {
    const list = listTfCheckpoint(new Uint8Array(readFileSync('tests/fixtures/tf-checkpoint-index/bert_model.ckpt.index')));
    const tensors = list.map((t) => named(t.name, f32(t.shape.length === 2 ? [2, 3] : [3])));
    const { tensors: out, transposed, ignored } = toCanonical(tensors, 'tf');
    expect(ignored).toEqual([]);
    expect(out.size).toBe(202);
    expect([...out.keys()].every(isCanonicalName)).toBe(true);
    // q, k, v, attention output, intermediate and output dense per layer, plus the MLM transform.
    expect(transposed).toHaveLength(12 * 6 + 1);
    expect(out.get('bert.encoder.layer.11.attention.self.query.weight')!.shape).toEqual([3, 2]);
    expect(out.get('bert.embeddings.word_embeddings.weight')!.shape).toEqual([2, 3]); // embeddings are not transposed
    expect(out.has('cls.predictions.bias')).toBe(true);
    expect(out.has('bert.encoder.layer.3.output.LayerNorm.weight')).toBe(true);
    expect(out.has('bert.encoder.layer.3.attention.output.LayerNorm.bias')).toBe(true);
  });

  it('recovers the HF fixture bit-identically from a Google-named TF checkpoint', () => {
    const google: RawTensor[] = [];
    for (const t of hf) {
      const name = toGoogleName(t.name);
      if (!name) continue;
      google.push({ ...(name.endsWith('/kernel') ? transpose2d(t) : t), name });
    }
    google.push({ name: 'global_step', dtype: 'int64', shape: [], bytes: new Uint8Array(8) });
    google.push({ ...google[0]!, name: `${google[0]!.name}/adam_m` }, { ...google[0]!, name: `${google[0]!.name}/adam_v` });
    const { index, data } = writeTfCheckpoint(google);
    const { tensors, transposed, ignored } = toCanonical(readTfCheckpoint(index, data), 'tf');
    expect(ignored.sort()).toEqual([`${google[0]!.name}/adam_m`, `${google[0]!.name}/adam_v`, 'global_step'].sort());
    expect(transposed).toHaveLength(2 * 6 + 2); // six per layer, the pooler and the MLM transform
    const want = hf.filter((t) => toGoogleName(t.name) !== null);
    expect(tensors.size).toBe(want.length);
    for (const t of want) {
      const got = tensors.get(t.name)!;
      expect(got.shape, t.name).toEqual(t.shape);
      expect(Buffer.from(got.bytes).equals(Buffer.from(t.bytes)), t.name).toBe(true);
    }
    expect(tensors.get('cls.seq_relationship.weight')!.shape).toEqual([2, 64]);
  });

  it('accepts HF names with and without the bert. prefix and old gamma/beta names', () => {
    const { tensors, ignored } = toCanonical([
      named('embeddings.word_embeddings.weight', f32([4, 2])),
      named('encoder.layer.0.output.LayerNorm.gamma', f32([2])),
      named('bert.encoder.layer.0.output.LayerNorm.beta', f32([2])),
      named('module.pooler.dense.bias', f32([2])),
      named('bert.embeddings.position_ids', f32([1, 4])),
      named('classifier.weight', f32([3, 2])),
    ], 'hf');
    expect([...tensors.keys()]).toEqual([
      'bert.embeddings.word_embeddings.weight',
      'bert.encoder.layer.0.output.LayerNorm.weight',
      'bert.encoder.layer.0.output.LayerNorm.bias',
      'bert.pooler.dense.bias',
      'classifier.weight', // unknown: kept under its own name
    ]);
    expect(ignored).toEqual(['bert.embeddings.position_ids']);
  });

  it('drops optimizer state and keeps unknown TF variables under their own names', () => {
    const { tensors, ignored } = toCanonical([
      named('bert/pooler/dense/kernel', f32([2, 2])),
      named('bert/pooler/dense/kernel/adam_m', f32([2, 2])),
      named('bert/pooler/dense/kernel/adam_v', f32([2, 2])),
      named('global_step', f32([1])),
      named('bad_steps', f32([1])),
      named('loss_scale', f32([1])),
      named('Pooler-Dense/kernel', f32([2, 2])),
    ], 'tf');
    expect([...tensors.keys()]).toEqual(['bert.pooler.dense.weight', 'Pooler-Dense/kernel']);
    expect(Array.from(toFloat32(tensors.get('Pooler-Dense/kernel')!))).toEqual([0, 1, 2, 3]); // untouched
    expect(ignored).toHaveLength(5);
  });

  it('refuses two tensors that map to one name', () => {
    expect(() => toCanonical([named('pooler.dense.bias', f32([2])), named('bert.pooler.dense.bias', f32([2]))], 'hf'))
      .toThrow(WeightFormatError);
  });
});
