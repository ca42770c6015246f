// Raw Snappy block decompression (no framing), as used for LevelDB/TensorFlow table blocks.
// Stream: varint uncompressed length, then elements tagged by their low two bits:
// 00 literal, 01 copy with 1-byte offset, 10 copy with 2-byte offset, 11 copy with 4-byte offset.
import { readVarint } from './protobuf';
import { WeightFormatError } from './types';

// The densest element (a 3-byte copy-2 of 64 bytes) expands ~21x: a larger claim is corrupt.
const MAX_EXPANSION = 22;

function fail(message: string): never {
  throw new WeightFormatError(`snappy block: ${message}; the file is corrupt.`);
}

export function snappyDecompress(input: Uint8Array): Uint8Array {
  const [length, start] = readVarint(input, 0, 'snappy length');
  if (length < 0 || length > input.length * MAX_EXPANSION) fail(`declares ${length} bytes from ${input.length} compressed bytes`);
  const out = new Uint8Array(length);
  let o = 0;
  let p = start;
  const byte = (): number => {
    if (p >= input.length) fail('ends in the middle of an element');
    return input[p++]!;
  };
  while (p < input.length) {
    const tag = byte();
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        // 60..63: the length-1 follows in 1..4 little-endian bytes.
        const n = len - 59;
        len = 0;
        for (let i = 0; i < n; i++) len += byte() * 2 ** (8 * i);
      }
      len += 1;
      if (p + len > input.length) fail('a literal runs past the end of the input');
      if (o + len > length) fail('a literal runs past the declared length');
      out.set(input.subarray(p, p + len), o);
      p += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | byte();
    } else if (kind === 2) {
      len = (tag >>> 2) + 1;
      offset = byte() | (byte() << 8);
    } else {
      len = (tag >>> 2) + 1;
      offset = (byte() | (byte() << 8) | (byte() << 16) | (byte() << 24)) >>> 0;
    }
    if (offset === 0 || offset > o) fail(`a copy reaches back ${offset} bytes with only ${o} written`);
    if (o + len > length) fail('a copy runs past the declared length');
    // Byte by byte: a copy may overlap its own output (offset < len repeats a pattern).
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset]!;
  }
  if (o !== length) fail(`produced ${o} bytes but declares ${length}`);
  return out;
}
