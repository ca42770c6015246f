import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from './safetensors';
import { listTorchCheckpoint, readTorchCheckpoint } from './torch-pickle';
import { PickleWriter, torchZip, zipWithPickle } from './torch-zip.testutil';
import { toFloat32, WeightFormatError } from './types';

const dir = 'tests/fixtures/hf-tiny-bert-zh';

function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

function expectRefusal(pickle: Uint8Array, pattern: RegExp): void {
  let caught: unknown;
  try { readTorchCheckpoint(zipWithPickle(pickle)); } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(WeightFormatError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('torch.save reader', () => {
  it('reads the fixture bit-identically to its safetensors twin', () => {
    const torch = readTorchCheckpoint(new Uint8Array(readFileSync(`${dir}/pytorch_model.bin`)));
    const safe = readSafetensors(new Uint8Array(readFileSync(`${dir}/model.safetensors`)));
    expect(torch).toHaveLength(49);
    const byName = new Map(safe.map((t) => [t.name, t]));
    expect(new Set(torch.map((t) => t.name))).toEqual(new Set(byName.keys()));
    for (const t of torch) {
      const s = byName.get(t.name)!;
      expect(t.dtype, t.name).toBe(s.dtype);
      expect(t.shape, t.name).toEqual(s.shape);
      expect(Buffer.from(t.bytes).equals(Buffer.from(s.bytes)), t.name).toBe(true);
    }
    const ids = torch.find((t) => t.name === 'bert.embeddings.position_ids')!;
    expect(ids.dtype).toBe('int64');
    expect(Array.from(toFloat32(ids).subarray(0, 4))).toEqual([0, 1, 2, 3]);
  });

  it('lists the fixture with absolute offsets into the file', () => {
    const bytes = new Uint8Array(readFileSync(`${dir}/pytorch_model.bin`));
    const list = listTorchCheckpoint(bytes);
    const word = list.find((t) => t.name === 'bert.embeddings.word_embeddings.weight')!;
    expect(word.shape).toEqual([21128, 64]);
    expect(word.size).toBe(21128 * 64 * 4);
    const tensor = readTorchCheckpoint(bytes).find((t) => t.name === word.name)!;
    expect(Buffer.from(bytes.subarray(word.offset, word.offset + word.size)).equals(Buffer.from(tensor.bytes))).toBe(true);
  });

  it('honours storage offsets and copies non-contiguous strides', () => {
    const storage = f32([9, 0, 1, 2, 3, 4, 5]); // element 0 is skipped by the offset
    const zip = torchZip([
      { name: 'transposed', dtype: 'float32', shape: [2, 3], storage, storageOffset: 1, stride: [1, 2] },
      { name: 'tail', dtype: 'float32', shape: [3], storage: f32([7, 8, 9, 10]), storageOffset: 1 },
    ], 'some_folder_name');
    const [t, tail] = readTorchCheckpoint(zip);
    // Storage after the offset is the row-major [3, 2] matrix [[0,1],[2,3],[4,5]]; this is its transpose.
    expect(Array.from(toFloat32(t!))).toEqual([0, 2, 4, 1, 3, 5]);
    expect(t!.shape).toEqual([2, 3]);
    expect(Array.from(toFloat32(tail!))).toEqual([8, 9, 10]);
  });

  it('refuses a malicious pickle and names the global', () => {
    const osSystem = new PickleWriter().op(0x80, 2).global('os', 'system').str('echo owned').op(0x85, 0x52, 0x2e).bytes();
    expectRefusal(osSystem, /pickle references os\.system, which a weight file never needs; refusing to load/);
    const evalCall = new PickleWriter().op(0x80, 4).op(0x8c, 8, ...new TextEncoder().encode('builtins'))
      .op(0x8c, 4, ...new TextEncoder().encode('eval')).op(0x93).str('1+1').op(0x85, 0x52, 0x2e).bytes();
    expectRefusal(evalCall, /builtins\.eval/);
    const getattr = new PickleWriter().op(0x80, 2).global('__builtin__', 'getattr').op(0x2e).bytes();
    expectRefusal(getattr, /__builtin__\.getattr/);
  });

  it('rejects other non-weight pickles with a WeightFormatError', () => {
    expectRefusal(new PickleWriter().op(0x80, 2).op(0x69).bytes(), /opcode 0x69/); // INST
    expectRefusal(new PickleWriter().op(0x80, 2).op(0x7d).bytes(), /truncated/);
    expectRefusal(new PickleWriter().op(0x80, 2).op(0x74).bytes(), /MARK/);
    expectRefusal(new PickleWriter().op(0x80, 2).op(0x68, 7).bytes(), /memo slot 7/);
    expectRefusal(new PickleWriter().op(0x80, 2).op(0x4e, 0x2e).bytes(), /dict of tensors/);
  });

  it('rejects a tensor that reaches past its storage', () => {
    const zip = torchZip([{ name: 'w', dtype: 'float32', shape: [2, 3], storage: f32([1, 2, 3, 4, 5]) }]);
    expect(() => readTorchCheckpoint(zip)).toThrow(/storage|element/);
    expect(() => readTorchCheckpoint(zip)).toThrow(WeightFormatError);
  });
});
