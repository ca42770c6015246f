import { describe, expect, it } from 'vitest';
import { snappyDecompress } from './snappy';
import { snappyLiteralOnly, snappyWithCopies } from './snappy.testutil';
import { WeightFormatError } from './types';

const ascii = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('snappy', () => {
  it('decodes literals of every length encoding', () => {
    for (const n of [1, 59, 60, 61, 255, 256, 300, 70000]) {
      const raw = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
      expect(Buffer.from(snappyDecompress(snappyLiteralOnly(raw))).equals(Buffer.from(raw)), `length ${n}`).toBe(true);
    }
  });

  it('decodes hand-assembled copies with 1-, 2- and 4-byte offsets, including overlapping ones', () => {
    const stream = Uint8Array.from([
      20, // uncompressed length
      0x0c, ...ascii('abcd'), // literal, 4 bytes
      0x11, 4, // copy-1: length 4 + 4 = 8, offset 4 (overlaps its own output)
      0x0e, 12, 0, // copy-2: length 4, offset 12
      0x0f, 3, 0, 0, 0, // copy-4: length 4, offset 3 (overlapping)
    ]);
    expect(text(snappyDecompress(stream))).toBe('abcdabcdabcdabcdbcdb');
  });

  it('round-trips data compressed with copy elements', () => {
    const raw = ascii('bert/encoder/layer_0/attention/self/query/kernel bert/encoder/layer_0/attention/self/key/kernel '.repeat(20));
    const packed = snappyWithCopies(raw);
    expect(packed.length).toBeLessThan(raw.length / 4);
    expect(text(snappyDecompress(packed))).toBe(text(raw));
  });

  it('rejects corrupt streams with WeightFormatError', () => {
    const bad = (bytes: number[], pattern: RegExp) => {
      expect(() => snappyDecompress(Uint8Array.from(bytes))).toThrow(WeightFormatError);
      expect(() => snappyDecompress(Uint8Array.from(bytes))).toThrow(pattern);
    };
    bad([3, 0x0c, 1, 2, 3, 4], /literal runs past the declared length/);
    bad([8, 0x0c, 1, 2], /runs past the end of the input/);
    bad([8, 0x0c, 1, 2, 3, 4, 0x11, 9], /reaches back 9/);
    bad([6, 0x04, 1, 2], /produced 2 bytes but declares 6/);
    bad([0x80, 0x80, 0x80, 0x80, 0x08, 0x00], /declares/); // 2^31 bytes from 6
    bad([0xff], /truncated/);
  });
});
