import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { floatToHalf, listNative, readNative, writeNative } from './native';
import { readSafetensors } from './safetensors';
import { toFloat32, WeightFormatError, type RawTensor } from './types';

const dir = 'tests/fixtures/hf-tiny-bert-zh';
const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as Record<string, unknown>;
const vocabText = readFileSync(`${dir}/vocab.txt`, 'utf8');
const tensors = readSafetensors(new Uint8Array(readFileSync(`${dir}/model.safetensors`))).filter((t) => t.dtype === 'float32');

/** Decodes binary16 bits exactly (independent of the reader under test). */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

describe('native .bpg format', () => {
  it('rounds float32 to half precision to nearest, ties to even', () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65519.99, 0x7bff],
      [65520, 0x7c00], [1e6, 0x7c00], [-Infinity, 0xfc00], [2 ** -14, 0x0400], [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], [1.5 * 2 ** -25, 0x0001], [3 * 2 ** -25, 0x0002], [2 ** -26, 0x0000],
      [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1 + 2 ** -10, 0x3c01], [0.1, 0x2e66], [1 / 3, 0x3555],
    ];
    for (const [value, bits] of cases) expect(floatToHalf(value), String(value)).toBe(bits);
    expect((floatToHalf(NaN) & 0x7c00) === 0x7c00 && (floatToHalf(NaN) & 0x3ff) !== 0).toBe(true);
  });

  it('round-trips float32 tensors, config, vocab and extra exactly', () => {
    const file = writeNative({ config, tensors, vocabText, dtype: 'float32', extra: { pool: 'linear' } });
    const back = readNative(file);
    expect(back.config).toEqual(config);
    expect(back.vocabText).toBe(vocabText);
    expect(back.vocabText!.split('\n')[343]).toBe('\u2028');
    expect(back.extra).toEqual({ pool: 'linear' });
    expect(back.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
    back.tensors.forEach((t, i) => {
      expect(t.dtype).toBe('float32');
      expect(t.shape).toEqual(tensors[i]!.shape);
      expect(Buffer.from(t.bytes).equals(Buffer.from(tensors[i]!.bytes)), t.name).toBe(true);
    });
    for (const info of listNative(file)) expect(info.offset % 16).toBe(0);
  });

  it('stores matrices as float16 within half-precision rounding and keeps 1-D tensors float32', () => {
    const file = writeNative({ config, tensors, dtype: 'float16' });
    const back = readNative(file);
    expect(back.vocabText).toBeUndefined();
    expect(file.length).toBeLessThan(tensors.reduce((n, t) => n + t.bytes.length, 0) * 0.55);
    back.tensors.forEach((t, i) => {
      const original = toFloat32(tensors[i]!);
      if (t.shape.length < 2) {
        expect(t.dtype).toBe('float32');
        expect(Array.from(toFloat32(t))).toEqual(Array.from(original));
        return;
      }
      expect(t.dtype).toBe('float16');
      const bits = new Uint16Array(t.bytes.slice().buffer);
      for (let j = 0; j < original.length; j++) {
        const x = original[j]!;
        const err = Math.abs(halfValue(bits[j]!) - x);
        // Nearest: neither neighbouring half value is closer.
        if (Math.abs(halfValue(bits[j]! + 1) - x) < err || Math.abs(halfValue(bits[j]! - 1) - x) < err) {
          throw new Error(`${t.name}[${j}] = ${x} rounded to ${halfValue(bits[j]!)}, not the nearest half`);
        }
        const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(x) || 2 ** -14)), -14) - 10);
        if (err > ulp / 2) throw new Error(`${t.name}[${j}]: error ${err} exceeds half an ulp (${ulp / 2})`);
      }
    });
  });

  it('accepts already-widened float32 inputs', () => {
    const t = { name: 'bert.pooler.dense.bias', shape: [3], data: Float32Array.from([1, 2, 3]) };
    const back = readNative(writeNative({ config, tensors: [t], dtype: 'float16' })).tensors[0]!;
    expect(Array.from(toFloat32(back))).toEqual([1, 2, 3]);
  });

  it('rejects corrupt files with WeightFormatError', () => {
    const small: RawTensor[] = tensors.slice(0, 6).filter((t) => t.bytes.length < 5000);
    const file = writeNative({ config, tensors: small, dtype: 'float32' });
    const expectBad = (bytes: Uint8Array, pattern: RegExp) => {
      expect(() => readNative(bytes)).toThrow(WeightFormatError);
      expect(() => readNative(bytes)).toThrow(pattern);
    };
    expectBad(file.subarray(0, 10), /truncated/);
    expectBad(file.subarray(0, file.length - 4), /truncated/);
    const magic = file.slice(); magic[0] = 0x41;
    expectBad(magic, /BERTPG01/);
    const version = file.slice(); new DataView(version.buffer).setUint32(8, 7, true);
    expectBad(version, /version 7/);
    const huge = file.slice(); new DataView(huge.buffer).setUint32(12, 0xffffffff, true);
    expectBad(huge, /header declares/);
    const json = file.slice(); json[17] = 0x7b;
    expectBad(json, /JSON/);
  });
});
