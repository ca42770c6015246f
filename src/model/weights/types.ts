// Shared vocabulary of the weight readers: every format is parsed into RawTensor records
// (name, dtype, shape, little-endian bytes); `toFloat32` widens them for the model.

export type DType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export interface RawTensor {
  name: string;
  dtype: DType;
  shape: number[];
  /** Little-endian element bytes, exactly product(shape) * DTYPE_BYTES[dtype] long. */
  bytes: Uint8Array;
}

/** One entry of a checkpoint's table of contents (what `inspect` prints). */
export interface TensorInfo {
  name: string;
  dtype: DType | string;
  shape: number[];
  /** Byte offset of the tensor's data within its data file/blob. */
  offset: number;
  /** Byte size of the tensor's data. */
  size: number;
}

/** A weight file is malformed or does not fit the model. The message says what and what to do. */
export class WeightFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightFormatError';
  }
}

export type ByteProgress = (loadedBytes: number, totalBytes: number) => void;

export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const HALF_TABLE = (() => {
  const t = new Float32Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = halfToFloat(i);
  return t;
})();

/** Widens any numeric tensor to float32 (int64 through Number, exact below 2^53). */
export function toFloat32(t: RawTensor): Float32Array {
  const n = numElements(t.shape);
  const expected = n * DTYPE_BYTES[t.dtype];
  if (t.bytes.byteLength !== expected) {
    throw new WeightFormatError(
      `Tensor ${t.name}: ${t.bytes.byteLength} bytes of data, expected ${expected} for ${t.dtype}[${t.shape.join(', ')}].`,
    );
  }
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const out = new Float32Array(n);
  switch (t.dtype) {
    case 'float32':
      if (t.bytes.byteOffset % 4 === 0) return new Float32Array(t.bytes.buffer.slice(t.bytes.byteOffset, t.bytes.byteOffset + expected));
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = HALF_TABLE[view.getUint16(i * 2, true)]!;
      return out;
    case 'bfloat16': {
      // bf16 is the top half of an f32: shift the 16 bits into place.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    case 'int64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      return out;
    case 'int32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    case 'int16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    case 'int8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      return out;
    case 'uint8':
    case 'bool':
      for (let i = 0; i < n; i++) out[i] = view.getUint8(i);
      return out;
  }
}
