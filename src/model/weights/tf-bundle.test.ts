import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from './safetensors';
import { ProtoWriter } from './protobuf';
import { snappyLiteralOnly, snappyWithCopies } from './snappy.testutil';
import { readTable, writeTable } from './sstable';
import { listTfCheckpoint, listTfEntries, readTfCheckpoint, writeTfCheckpoint } from './tf-bundle';
import { toFloat32, WeightFormatError, type RawTensor } from './types';

const tfDir = 'tests/fixtures/tf-checkpoint-index';
const index = new Uint8Array(readFileSync(`${tfDir}/bert_model.ckpt.index`));
const config = JSON.parse(readFileSync(`${tfDir}/bert_config.json`, 'utf8')) as Record<string, number>;
const hfTensors = readSafetensors(new Uint8Array(readFileSync('tests/fixtures/hf-tiny-bert-zh/model.safetensors')));

/** Google BERT variable names and [in, out] kernel shapes implied by a bert_config.json. */
function expectedGoogleShapes(c: Record<string, number>): Map<string, number[]> {
  const H = c.hidden_size!, I = c.intermediate_size!, V = c.vocab_size!;
  const m = new Map<string, number[]>([
    ['bert/embeddings/word_embeddings', [V, H]],
    ['bert/embeddings/position_embeddings', [c.max_position_embeddings!, H]],
    ['bert/embeddings/token_type_embeddings', [c.type_vocab_size!, H]],
    ['bert/embeddings/LayerNorm/gamma', [H]], ['bert/embeddings/LayerNorm/beta', [H]],
    ['cls/predictions/output_bias', [V]],
    ['cls/predictions/transform/dense/kernel', [H, H]], ['cls/predictions/transform/dense/bias', [H]],
    ['cls/predictions/transform/LayerNorm/gamma', [H]], ['cls/predictions/transform/LayerNorm/beta', [H]],
  ]);
  for (let l = 0; l < c.num_hidden_layers!; l++) {
    const p = `bert/encoder/layer_${l}`;
    for (const x of ['query', 'key', 'value']) { m.set(`${p}/attention/self/${x}/kernel`, [H, H]); m.set(`${p}/attention/self/${x}/bias`, [H]); }
    m.set(`${p}/attention/output/dense/kernel`, [H, H]); m.set(`${p}/attention/output/dense/bias`, [H]);
    m.set(`${p}/intermediate/dense/kernel`, [H, I]); m.set(`${p}/intermediate/dense/bias`, [I]);
    m.set(`${p}/output/dense/kernel`, [I, H]); m.set(`${p}/output/dense/bias`, [H]);
    for (const ln of ['attention/output/LayerNorm', 'output/LayerNorm']) { m.set(`${p}/${ln}/gamma`, [H]); m.set(`${p}/${ln}/beta`, [H]); }
  }
  return m;
}

function sameTensors(got: RawTensor[], want: RawTensor[]): void {
  const byName = new Map(got.map((t) => [t.name, t]));
  expect(got).toHaveLength(want.length);
  for (const w of want) {
    const g = byName.get(w.name)!;
    expect(g, w.name).toBeDefined();
    expect(g.dtype, w.name).toBe(w.dtype);
    expect(g.shape, w.name).toEqual(w.shape);
    expect(Buffer.from(g.bytes).equals(Buffer.from(w.bytes)), w.name).toBe(true);
  }
}

describe('TensorFlow tensor bundle', () => {
  it('lists the fixture index: 202 float32 variables shaped as its bert_config says', () => {
    const list = listTfCheckpoint(index);
    expect(list).toHaveLength(202);
    const expected = expectedGoogleShapes(config);
    expect(new Set(list.map((t) => t.name))).toEqual(new Set(expected.keys()));
    for (const t of list) {
      expect(t.dtype, t.name).toBe('float32');
      expect(t.shape, t.name).toEqual(expected.get(t.name));
      expect(t.size, t.name).toBe(t.shape.reduce((a, b) => a * b, 1) * 4);
    }
    expect(list.find((t) => t.name === 'bert/embeddings/word_embeddings')!.shape).toEqual([5981, 768]);
    // One shard, tensors back to back in key order: contiguous and non-overlapping.
    const byOffset = [...list].sort((a, b) => a.offset - b.offset);
    expect(byOffset[0]!.offset).toBe(0);
    for (let i = 1; i < byOffset.length; i++) expect(byOffset[i]!.offset).toBe(byOffset[i - 1]!.offset + byOffset[i - 1]!.size);
    expect(listTfEntries(index).every((e) => e.shardId === 0 && e.maskedCrc !== undefined && !e.partitioned)).toBe(true);
  });

  it('writes a checkpoint that reads back every fixture tensor bit-identically', () => {
    const { index: idx, data } = writeTfCheckpoint(hfTensors);
    sameTensors(readTfCheckpoint(idx, data), hfTensors);
    expect(data.length).toBe(hfTensors.reduce((n, t) => n + t.bytes.length, 0));
    const listed = listTfCheckpoint(idx);
    expect(listed.map((t) => t.name)).toEqual([...listed.map((t) => t.name)].sort());
    const ids = readTfCheckpoint(idx, [data]).find((t) => t.name === 'bert.embeddings.position_ids')!;
    expect(Array.from(toFloat32(ids).subarray(125))).toEqual([125, 126, 127]);
  });

  it('reads indexes whose blocks are snappy-compressed', () => {
    for (const compress of [snappyLiteralOnly, snappyWithCopies]) {
      const { index: idx, data } = writeTfCheckpoint(hfTensors, { blockSize: 512, compress });
      sameTensors(readTfCheckpoint(idx, data), hfTensors);
    }
  });

  it('lists optimizer slots and global_step alongside the weights', () => {
    const f32 = (n: number, seed: number) => new Uint8Array(Float32Array.from({ length: n }, (_, i) => seed + i).buffer);
    const tensors: RawTensor[] = [
      { name: 'bert/pooler/dense/kernel', dtype: 'float32', shape: [2, 2], bytes: f32(4, 1) },
      { name: 'bert/pooler/dense/kernel/adam_m', dtype: 'float32', shape: [2, 2], bytes: f32(4, 10) },
      { name: 'bert/pooler/dense/kernel/adam_v', dtype: 'float32', shape: [2, 2], bytes: f32(4, 20) },
      { name: 'global_step', dtype: 'int64', shape: [], bytes: new Uint8Array(new BigInt64Array([123456n]).buffer) },
    ];
    const { index: idx, data } = writeTfCheckpoint(tensors);
    const list = listTfCheckpoint(idx);
    expect(list.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['bert/pooler/dense/kernel', 'float32', [2, 2]],
      ['bert/pooler/dense/kernel/adam_m', 'float32', [2, 2]],
      ['bert/pooler/dense/kernel/adam_v', 'float32', [2, 2]],
      ['global_step', 'int64', []],
    ]);
    const step = readTfCheckpoint(idx, data).find((t) => t.name === 'global_step')!;
    expect(Array.from(toFloat32(step))).toEqual([123456]);
  });

  it('names the tensor whose CRC fails, and rejects short or missing data', () => {
    const small = hfTensors.filter((t) => t.shape.length === 1 && t.shape[0] === 64);
    const { index: idx, data } = writeTfCheckpoint(small);
    const victim = listTfCheckpoint(idx)[3]!;
    const corrupt = data.slice();
    corrupt[victim.offset + 5]! ^= 0x10;
    expect(() => readTfCheckpoint(idx, corrupt)).toThrow(new RegExp(`tensor ${victim.name} fails its CRC-32C check`));
    expect(() => readTfCheckpoint(idx, data.subarray(0, data.length - 1))).toThrow(/truncated/);
    expect(() => readTfCheckpoint(idx, [])).toThrow(/shard 0/);
    expect(() => readTfCheckpoint(idx, corrupt)).toThrow(WeightFormatError);
  });

  it('lists string and partitioned entries but reads only plain numeric tensors', () => {
    const { index: idx, data } = writeTfCheckpoint([{ name: 'w', dtype: 'float32', shape: [2], bytes: new Uint8Array(8) }]);
    const enc = (s: string) => new TextEncoder().encode(s);
    const scalarShape = new ProtoWriter().finish();
    const entries = [
      ...readTable(idx),
      // A DT_STRING scalar (e.g. TF2's object graph) and a partitioned float variable.
      { key: enc('_CHECKPOINTABLE_OBJECT_GRAPH'), value: new ProtoWriter().varint(1, 7).bytes(2, scalarShape).varint(5, 10).finish() },
      { key: enc('sliced'), value: new ProtoWriter().varint(1, 1).bytes(2, scalarShape).bytes(7, new Uint8Array([8, 1])).finish() },
    ];
    const withExtras = writeTable(entries);
    expect(listTfCheckpoint(withExtras).map((t) => [t.name, t.dtype])).toEqual([
      ['_CHECKPOINTABLE_OBJECT_GRAPH', 'DT_STRING'], ['sliced', 'float32'], ['w', 'float32'],
    ]);
    expect(() => readTfCheckpoint(withExtras, data)).toThrow(/sliced is saved as a partitioned variable/);
    const stringOnly = writeTable(entries.filter((e) => new TextDecoder().decode(e.key) !== 'sliced'));
    expect(readTfCheckpoint(stringOnly, data).map((t) => t.name)).toEqual(['w']);
  });

  it('refuses a file that is not an index', () => {
    expect(() => listTfCheckpoint(new Uint8Array(readFileSync(`${tfDir}/bert_config.json`)))).toThrow(/not a TensorFlow checkpoint/);
  });
});
