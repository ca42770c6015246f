import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelFile } from './files';
import { loadModelFiles, planLoad } from './load';
import { WeightFormatError } from './weights/types';

const DIR = 'tests/fixtures/hf-tiny-bert-zh';

function memFile(name: string, bytes: Uint8Array | string): ModelFile {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return { name, size: data.byteLength, read: async (p) => (p?.(data.byteLength, data.byteLength), data) };
}

function fixture(name: string): ModelFile {
  return memFile(name, new Uint8Array(readFileSync(`${DIR}/${name}`)));
}

describe('planLoad', () => {
  it('recognises each format by its files', () => {
    expect(planLoad([fixture('config.json'), fixture('vocab.txt'), fixture('model.safetensors')]).format).toBe('huggingface-safetensors');
    expect(planLoad([fixture('config.json'), fixture('vocab.txt'), fixture('pytorch_model.bin')]).format).toBe('huggingface-pytorch');
    expect(planLoad([memFile('bert_config.json', '{}'), memFile('bert_model.ckpt.index', ''), memFile('bert_model.ckpt.data-00000-of-00001', '')]).format).toBe('tf-checkpoint');
    expect(planLoad([memFile('model.bpg', '')]).format).toBe('native');
  });

  it('names what is missing', () => {
    expect(() => planLoad([fixture('config.json'), fixture('vocab.txt')])).toThrow(/No weights found among: config.json, vocab.txt/);
    expect(() => planLoad([memFile('bert_model.ckpt.index', '')])).toThrow(/bert_model.ckpt.data-00000-of-00001/);
  });
});

describe('loadModelFiles', () => {
  it('loads the Hugging Face fixture with byte progress that reaches the total', async () => {
    const files = [fixture('config.json'), fixture('vocab.txt'), fixture('model.safetensors')];
    const seen: [number, number][] = [];
    const loaded = await loadModelFiles(files, (d, t) => seen.push([d, t]));
    expect(loaded.config.hiddenSize).toBe(64);
    expect(loaded.tensors.get('bert.embeddings.word_embeddings.weight')!.shape).toEqual([21128, 64]);
    const total = files.reduce((a, f) => a + f.size, 0);
    expect(loaded.totalBytes).toBe(total);
    expect(seen.at(-1)).toEqual([total, total]);
  });

  it('rejects a vocabulary that does not match the config', async () => {
    const vocab = readFileSync(`${DIR}/vocab.txt`, 'utf8').split('\n').slice(0, 1000).join('\n');
    await expect(loadModelFiles([fixture('config.json'), memFile('vocab.txt', vocab), fixture('model.safetensors')])).rejects.toThrow(
      /vocab.txt has 1000 entries but the config says vocab_size 21128/,
    );
  });

  it('rejects a missing config and a broken config field', async () => {
    await expect(loadModelFiles([fixture('vocab.txt'), fixture('model.safetensors')])).rejects.toThrow(/config.json is missing/);
    const bad = JSON.stringify({ ...JSON.parse(readFileSync(`${DIR}/config.json`, 'utf8')), hidden_size: 'big' });
    const err = await loadModelFiles([memFile('config.json', bad), fixture('vocab.txt'), fixture('model.safetensors')]).catch((e) => e);
    expect(err).toBeInstanceOf(WeightFormatError);
    expect(err.message).toMatch(/hidden_size/);
  });
});
