import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBertConfig } from '../config';
import { toCanonical } from './names';
import { readSafetensors } from './safetensors';
import { DECODER_BIAS, DECODER_WEIGHT, expectedTensors, MLM_BIAS, validateWeights, WORD_EMBEDDINGS } from './schema';
import { listTfCheckpoint } from './tf-bundle';
import { toFloat32, WeightFormatError, type RawTensor } from './types';

const dir = 'tests/fixtures/hf-tiny-bert-zh';
const config = parseBertConfig(JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')));
const canonical = toCanonical(readSafetensors(new Uint8Array(readFileSync(`${dir}/model.safetensors`))), 'hf').tensors;

function without(...names: string[]): Map<string, RawTensor> {
  const m = new Map(canonical);
  for (const n of names) m.delete(n);
  return m;
}

function errorOf(fn: () => unknown): string {
  try { fn(); } catch (e) { expect(e).toBeInstanceOf(WeightFormatError); return (e as Error).message; }
  throw new Error('expected a WeightFormatError');
}

describe('weight schema', () => {
  it('accepts the HF fixture and widens every tensor to float32', () => {
    const v = validateWeights(config, canonical);
    expect(v.hasMlmHead && v.hasPooler && v.hasNsp).toBe(true);
    expect(v.unexpected).toEqual([]);
    expect(v.weights.size).toBe(expectedTensors(config).length - 1); // all but position_ids
    expect(v.weights.has('bert.embeddings.position_ids')).toBe(false);
    const q = v.weights.get('bert.encoder.layer.1.attention.self.query.weight')!;
    expect(q.shape).toEqual([64, 64]);
    expect(Array.from(q.data)).toEqual(Array.from(toFloat32(canonical.get('bert.encoder.layer.1.attention.self.query.weight')!)));
  });

  it('ties the decoder to the word embeddings and cls.predictions.bias when it is absent', () => {
    const v = validateWeights(config, without(DECODER_WEIGHT, DECODER_BIAS));
    expect(v.hasMlmHead).toBe(true);
    expect(v.weights.get(DECODER_WEIGHT)!.data).toBe(v.weights.get(WORD_EMBEDDINGS)!.data);
    expect(v.weights.get(DECODER_BIAS)!.data).toBe(v.weights.get(MLM_BIAS)!.data);
    const onlyDecoderBias = validateWeights(config, without(MLM_BIAS));
    expect(onlyDecoderBias.weights.get(MLM_BIAS)!.data).toBe(onlyDecoderBias.weights.get(DECODER_BIAS)!.data);
  });

  it('treats the pooler and both heads as optional', () => {
    const heads = expectedTensors(config).filter((e) => e.optional).map((e) => e.name);
    const v = validateWeights(config, without(...heads));
    expect([v.hasMlmHead, v.hasPooler, v.hasNsp]).toEqual([false, false, false]);
    expect(v.weights.has(DECODER_WEIGHT)).toBe(false);
    expect(v.weights.size).toBe(5 + 16 * config.numLayers);
  });

  it('reports every problem in one error', () => {
    const broken = without('bert.encoder.layer.0.output.dense.weight', 'bert.pooler.dense.bias');
    broken.set('bert.encoder.layer.1.intermediate.dense.weight', { ...canonical.get('bert.encoder.layer.1.intermediate.dense.weight')!, shape: [64, 128] });
    broken.set('classifier.weight', canonical.get('bert.pooler.dense.weight')!);
    const message = errorOf(() => validateWeights({ ...config, vocabSize: 21000 }, broken));
    expect(message).toContain('missing bert.encoder.layer.0.output.dense.weight [64, 128]');
    expect(message).toContain('bert.encoder.layer.1.intermediate.dense.weight: expected [128, 64], got [64, 128]');
    expect(message).toContain("the word embeddings have 21128 rows but the config's vocab_size is 21000");
    expect(message).toContain('cls.predictions.bias: expected [21000], got [21128]');
    expect(message).toContain('incomplete pooler: missing bert.pooler.dense.bias');
    expect(message).not.toContain('classifier.weight'); // unexpected tensors are reported, not fatal
    const extra = new Map(canonical).set('classifier.weight', canonical.get('bert.pooler.dense.weight')!);
    expect(validateWeights(config, extra).unexpected).toEqual(['classifier.weight']);
  });

  it('flags a config with fewer layers than the weights, and NaN weights', () => {
    expect(errorOf(() => validateWeights({ ...config, numLayers: 1 }, canonical))).toMatch(/2 encoder layers but the config's num_hidden_layers is 1/);
    const nan = new Map(canonical);
    const bias = canonical.get('bert.pooler.dense.bias')!;
    const values = toFloat32(bias);
    values[3] = NaN;
    nan.set('bert.pooler.dense.bias', { ...bias, bytes: new Uint8Array(values.buffer) });
    expect(errorOf(() => validateWeights(config, nan))).toMatch(/bert\.pooler\.dense\.bias holds 1 NaN\/Inf/);
  });

  it('agrees with the shapes of the Google BERT fixture index after name mapping', () => {
    const tfConfig = parseBertConfig(JSON.parse(readFileSync('tests/fixtures/tf-checkpoint-index/bert_config.json', 'utf8')));
    const list = listTfCheckpoint(new Uint8Array(readFileSync('tests/fixtures/tf-checkpoint-index/bert_model.ckpt.index')));
    // Names and transposes only: 1-element stand-ins keep the mapping cheap; shapes come from the index.
    const stand = list.map((t) => ({ name: t.name, dtype: 'float32' as const, shape: t.shape.map(() => 1), bytes: new Uint8Array(4) }));
    const { tensors, transposed, ignored } = toCanonical(stand, 'tf');
    expect(ignored).toEqual([]);
    const names = [...tensors.keys()]; // insertion order follows the index
    expect(names).toHaveLength(202);
    const expected = new Map(expectedTensors(tfConfig).map((e) => [e.name, e]));
    const mapped = new Set(names);
    names.forEach((name, i) => {
      const shape = list[i]!.shape;
      expect(expected.has(name), name).toBe(true);
      expect(transposed.includes(name) ? [shape[1], shape[0]] : shape, name).toEqual(expected.get(name)!.shape);
    });
    const required = expectedTensors(tfConfig).filter((e) => !e.optional).map((e) => e.name);
    expect(required.every((n) => mapped.has(n))).toBe(true);
  });
});
