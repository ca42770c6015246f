// safetensors: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data.
import { DTYPE_BYTES, numElements, WeightFormatError, type DType, type RawTensor, type TensorInfo } from './types';

const SAFETENSORS_DTYPES: Record<string, DType> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64',
  I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};

// A header larger than this is not a BERT checkpoint; refuse before allocating.
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Lists the tensors of a safetensors file; offsets are relative to the start of the file. */
export function listSafetensors(bytes: Uint8Array): TensorInfo[] {
  if (bytes.byteLength < 8) throw new WeightFormatError('safetensors file is truncated: fewer than 8 bytes.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.byteLength) {
    throw new WeightFormatError(
      `safetensors header declares ${headerLen} bytes but the file has ${bytes.byteLength}: the file is truncated or not safetensors.`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch (e) {
    throw new WeightFormatError(`safetensors header is not valid JSON (${(e as Error).message}).`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new WeightFormatError('safetensors header is not a JSON object.');
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const out: TensorInfo[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = raw as HeaderEntry;
    const dtype = SAFETENSORS_DTYPES[entry?.dtype];
    if (!dtype) throw new WeightFormatError(`safetensors tensor ${name}: unsupported dtype ${String(entry?.dtype)}.`);
    if (!Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new WeightFormatError(`safetensors tensor ${name}: invalid shape ${JSON.stringify(entry.shape)}.`);
    }
    const offs = entry.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0) || offs[1] < offs[0]) {
      throw new WeightFormatError(`safetensors tensor ${name}: invalid data_offsets ${JSON.stringify(offs)}.`);
    }
    const size = offs[1] - offs[0];
    const expected = numElements(entry.shape) * DTYPE_BYTES[dtype];
    if (size !== expected) {
      throw new WeightFormatError(`safetensors tensor ${name}: ${size} bytes for ${dtype}[${entry.shape.join(', ')}], expected ${expected}.`);
    }
    if (offs[1] > dataLen) {
      throw new WeightFormatError(`safetensors tensor ${name} ends at byte ${offs[1]} of a ${dataLen}-byte data section: the file is truncated.`);
    }
    out.push({ name, dtype, shape: entry.shape, offset: dataStart + offs[0], size });
  }
  return out;
}

export function readSafetensors(bytes: Uint8Array): RawTensor[] {
  return listSafetensors(bytes).map((info) => ({
    name: info.name,
    dtype: info.dtype as DType,
    shape: info.shape,
    bytes: bytes.subarray(info.offset, info.offset + info.size),
  }));
}
