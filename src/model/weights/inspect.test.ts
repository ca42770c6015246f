import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectCheckpointFormat, inspectCheckpoint } from './inspect';
import { writeNative } from './native';
import { readSafetensors } from './safetensors';
import { WeightFormatError } from './types';

const dir = 'tests/fixtures/hf-tiny-bert-zh';
const safetensors = new Uint8Array(readFileSync(`${dir}/model.safetensors`));
const torch = new Uint8Array(readFileSync(`${dir}/pytorch_model.bin`));
const index = new Uint8Array(readFileSync('tests/fixtures/tf-checkpoint-index/bert_model.ckpt.index'));

describe('inspectCheckpoint', () => {
  it('lists each fixture format with the same tensors', () => {
    const fromSafe = inspectCheckpoint('model.safetensors', safetensors);
    const fromTorch = inspectCheckpoint('pytorch_model.bin', torch);
    const native = writeNative({ config: {}, tensors: readSafetensors(safetensors), dtype: 'float32' });
    const fromNative = inspectCheckpoint('tiny.bpg', native);
    const shapes = (l: typeof fromSafe) => Object.fromEntries(l.map((t) => [t.name, t.shape]));
    expect(fromSafe).toHaveLength(49);
    expect(shapes(fromTorch)).toEqual(shapes(fromSafe));
    expect(shapes(fromNative)).toEqual(shapes(fromSafe));
    for (const list of [fromSafe, fromTorch]) {
      const ids = list.find((t) => t.name === 'bert.embeddings.position_ids')!;
      expect([ids.dtype, ids.size]).toEqual(['int64', 128 * 8]);
    }
    expect(inspectCheckpoint('bert_model.ckpt.index', index)).toHaveLength(202);
  });

  it('detects formats by content even when renamed', () => {
    expect(detectCheckpointFormat('weights.bin', safetensors)).toBe('safetensors');
    expect(detectCheckpointFormat('weights', torch)).toBe('torch');
    expect(detectCheckpointFormat('whatever.dat', index)).toBe('tf-index');
  });

  it('explains unsupported and damaged files', () => {
    const text = new TextEncoder().encode('[PAD]\n[UNK]\n');
    expect(() => inspectCheckpoint('model.ckpt.data-00000-of-00001', text)).toThrow(/open the matching \.index file/);
    expect(() => inspectCheckpoint('vocab.txt', text)).toThrow(WeightFormatError);
    expect(() => inspectCheckpoint('model.h5', text)).toThrow(/HDF5/);
    expect(() => inspectCheckpoint('model.safetensors', safetensors.subarray(0, 4))).toThrow(/safetensors/);
    expect(() => inspectCheckpoint('bert_model.ckpt.index', index.subarray(0, index.length - 3))).toThrow(/\.index/);
    expect(() => inspectCheckpoint('pytorch_model.bin', torch.subarray(0, 3))).toThrow(/ZIP/);
  });
});
