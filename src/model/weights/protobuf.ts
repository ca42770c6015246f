// The little of the protobuf wire format the TensorFlow bundle index needs: varints,
// fixed32/fixed64 and length-delimited fields, decoding and encoding. Also used for
// LevelDB table block handles and entry headers, which are plain varints.
import { WeightFormatError } from './types';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export interface ProtoField {
  field: number;
  wire: number;
  /** varint/fixed values as numbers (int64 sign-extended), bytes as a view into the message. */
  value: number | Uint8Array;
}

/** Reads a base-128 varint at `pos`: [value, next position]. Values must fit in 2^53 (or be a negative int64). */
export function readVarint(bytes: Uint8Array, pos: number, what = 'varint'): [number, number] {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= bytes.length) throw new WeightFormatError(`${what} runs past the end of its data; the file is truncated.`);
    const b = bytes[pos + i]!;
    result += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (result <= Number.MAX_SAFE_INTEGER) return [result, pos + i + 1];
      // 64-bit two's complement: negative int64 values (e.g. -1 for an unknown dimension).
      let big = 0n;
      for (let j = i; j >= 0; j--) big = (big << 7n) | BigInt(bytes[pos + j]! & 0x7f);
      const signed = BigInt.asIntN(64, big);
      if (signed < 0n && signed >= BigInt(Number.MIN_SAFE_INTEGER)) return [Number(signed), pos + i + 1];
      throw new WeightFormatError(`${what} holds ${signed}, far larger than any real checkpoint value.`);
    }
    scale *= 128;
  }
  throw new WeightFormatError(`${what} is longer than 10 bytes; the file is corrupt.`);
}

/** Decodes every top-level field of a protobuf message. */
export function decodeMessage(bytes: Uint8Array, what: string): ProtoField[] {
  const fields: ProtoField[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (pos < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, pos, `${what} field tag`);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    pos = afterTag;
    if (field === 0) throw new WeightFormatError(`${what}: field number 0 is invalid; the file is corrupt.`);
    if (wire === WIRE_VARINT) {
      const [v, next] = readVarint(bytes, pos, what);
      fields.push({ field, wire, value: v });
      pos = next;
    } else if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
      const n = wire === WIRE_FIXED64 ? 8 : 4;
      if (pos + n > bytes.length) throw new WeightFormatError(`${what}: a fixed-width field runs past the end; the file is corrupt.`);
      const value = n === 4 ? view.getUint32(pos, true) : Number(view.getBigUint64(pos, true));
      fields.push({ field, wire, value });
      pos += n;
    } else if (wire === WIRE_BYTES) {
      const [len, start] = readVarint(bytes, pos, what);
      if (len < 0 || start + len > bytes.length) throw new WeightFormatError(`${what}: a ${len}-byte field runs past the end; the file is corrupt.`);
      fields.push({ field, wire, value: bytes.subarray(start, start + len) });
      pos = start + len;
    } else {
      throw new WeightFormatError(`${what}: unsupported wire type ${wire}; the file is corrupt.`);
    }
  }
  return fields;
}

export function pushVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`varint value ${value} is not a safe integer`);
  if (value < 0) {
    // int64 negative values take ten bytes of two's complement.
    let big = BigInt.asUintN(64, BigInt(value));
    for (let i = 0; i < 9; i++) { out.push(Number(big & 0x7fn) | 0x80); big >>= 7n; }
    out.push(Number(big));
    return;
  }
  let v = value;
  while (v >= 0x80) { out.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
  out.push(v);
}

/** Builds a protobuf message field by field. */
export class ProtoWriter {
  private readonly out: number[] = [];
  varint(field: number, value: number): this {
    pushVarint(this.out, field * 8 + WIRE_VARINT);
    pushVarint(this.out, value);
    return this;
  }
  fixed32(field: number, value: number): this {
    pushVarint(this.out, field * 8 + WIRE_FIXED32);
    this.out.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
    return this;
  }
  bytes(field: number, value: Uint8Array): this {
    pushVarint(this.out, field * 8 + WIRE_BYTES);
    pushVarint(this.out, value.length);
    for (const b of value) this.out.push(b);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}
