import { describe, expect, it } from 'vitest';
import { decodeMessage, ProtoWriter, pushVarint, readVarint } from './protobuf';
import { WeightFormatError } from './types';

describe('protobuf wire format', () => {
  it('round-trips varints including large and negative int64 values', () => {
    for (const v of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER, -1, -(2 ** 40)]) {
      const out: number[] = [];
      pushVarint(out, v);
      expect(readVarint(Uint8Array.from(out), 0)).toEqual([v, out.length]);
    }
    expect(readVarint(Uint8Array.from([0xac, 0x02]), 0)).toEqual([300, 2]); // the protobuf docs' example
  });

  it('decodes a message with every wire type', () => {
    const inner = new ProtoWriter().varint(1, 5981).finish();
    const msg = new ProtoWriter().varint(1, 19).bytes(2, inner).fixed32(6, 0xdeadbeef).varint(4, 2 ** 35).finish();
    const fields = decodeMessage(msg, 'test');
    expect(fields.map((f) => f.field)).toEqual([1, 2, 6, 4]);
    expect(fields[0]!.value).toBe(19);
    expect(decodeMessage(fields[1]!.value as Uint8Array, 'inner')[0]!.value).toBe(5981);
    expect(fields[2]!.value).toBe(0xdeadbeef);
    expect(fields[3]!.value).toBe(2 ** 35);
  });

  it('rejects truncated and oversized fields', () => {
    expect(() => decodeMessage(Uint8Array.from([0x12, 10, 1]), 'm')).toThrow(WeightFormatError);
    expect(() => decodeMessage(Uint8Array.from([0x08, 0x80]), 'm')).toThrow(/truncated/);
    expect(() => readVarint(Uint8Array.from(new Array(11).fill(0x80)), 0)).toThrow(/longer than 10 bytes/);
    expect(() => readVarint(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), 0)).toThrow(/far larger/);
  });
});
