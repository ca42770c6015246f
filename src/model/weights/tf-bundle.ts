// TensorFlow checkpoints (tensor bundle format, `model.ckpt.index` + `model.ckpt.data-0000N-of-0000M`).
// The index is a LevelDB table keyed by variable name; the empty key holds a BundleHeaderProto
// {num_shards=1, endianness=2, version=3} and every other value is a BundleEntryProto
// {dtype=1, shape=2 (TensorShapeProto: dim=2 {size=1}), shard_id=3, offset=4, size=5,
// crc32c=6 (masked CRC-32C of the bytes, fixed32), slices=7}. Data shards are raw
// little-endian tensor bytes at the recorded offsets.
import { crc32c, maskCrc, unmaskCrc } from './crc';
import { decodeMessage, ProtoWriter, WIRE_BYTES, type ProtoField } from './protobuf';
import { compareBytes, readTable, writeTable, type TableWriteOptions } from './sstable';
import { DTYPE_BYTES, numElements, WeightFormatError, type DType, type RawTensor, type TensorInfo } from './types';

// tensorflow/core/framework/types.proto DataType numbers.
const TF_DTYPES: Record<number, DType> = {
  1: 'float32', 2: 'float64', 3: 'int32', 4: 'uint8', 5: 'int16', 6: 'int8', 9: 'int64', 10: 'bool', 14: 'bfloat16', 19: 'float16',
};
const TF_DTYPE_NAMES: Record<number, string> = {
  7: 'DT_STRING', 8: 'DT_COMPLEX64', 17: 'DT_UINT16', 18: 'DT_COMPLEX128', 20: 'DT_RESOURCE', 21: 'DT_VARIANT', 22: 'DT_UINT32', 23: 'DT_UINT64',
};
const DTYPE_TO_TF = Object.fromEntries(Object.entries(TF_DTYPES).map(([k, v]) => [v, Number(k)])) as Record<DType, number>;

export interface TfEntry extends TensorInfo {
  shardId: number;
  /** Masked CRC-32C of the tensor bytes, as stored. */
  maskedCrc: number | undefined;
  /** True for partitioned variables, whose data lives in separate slice entries. */
  partitioned: boolean;
}

function single(fields: ProtoField[], n: number): number | Uint8Array | undefined {
  let v: number | Uint8Array | undefined;
  for (const f of fields) if (f.field === n) v = f.value;
  return v;
}

function num(fields: ProtoField[], n: number, what: string): number {
  const v = single(fields, n) ?? 0;
  if (typeof v !== 'number') throw new WeightFormatError(`${what}: field ${n} has the wrong wire type; the index is corrupt.`);
  return v;
}

function parseShape(bytes: Uint8Array, name: string): number[] {
  const shape: number[] = [];
  for (const f of decodeMessage(bytes, `shape of ${name}`)) {
    if (f.field === 3 && f.value !== 0) throw new WeightFormatError(`tensor ${name} has an unknown rank; a saved variable always has a full shape.`);
    if (f.field !== 2) continue;
    if (!(f.value instanceof Uint8Array)) throw new WeightFormatError(`shape of ${name} is malformed; the index is corrupt.`);
    const size = num(decodeMessage(f.value, `shape of ${name}`), 1, `shape of ${name}`);
    if (size < 0) throw new WeightFormatError(`tensor ${name} has an unknown dimension (${size}); a saved variable always has a full shape.`);
    shape.push(size);
  }
  return shape;
}

function parseEntry(name: string, bytes: Uint8Array): TfEntry {
  const what = `index entry ${name}`;
  const fields = decodeMessage(bytes, what);
  const dtypeNum = num(fields, 1, what);
  const dtype: DType | string = TF_DTYPES[dtypeNum] ?? TF_DTYPE_NAMES[dtypeNum] ?? `DT_${dtypeNum}`;
  const shapeBytes = single(fields, 2);
  const shape = shapeBytes instanceof Uint8Array ? parseShape(shapeBytes, name) : [];
  const offset = num(fields, 4, what);
  const size = num(fields, 5, what);
  const crc = single(fields, 6);
  const shardId = num(fields, 3, what);
  const partitioned = fields.some((f) => f.field === 7 && f.wire === WIRE_BYTES);
  if (offset < 0 || size < 0 || shardId < 0) throw new WeightFormatError(`${what} has a negative offset, size or shard; the index is corrupt.`);
  if (Object.hasOwn(DTYPE_TO_TF, dtype) && !partitioned) {
    const expected = numElements(shape) * DTYPE_BYTES[dtype as DType];
    if (size !== expected) {
      throw new WeightFormatError(`tensor ${name}: the index records ${size} bytes for ${dtype}[${shape.join(', ')}], expected ${expected}; the index is corrupt.`);
    }
  }
  return { name, dtype, shape, offset, size, shardId, maskedCrc: typeof crc === 'number' ? crc : undefined, partitioned };
}

function parseIndex(index: Uint8Array): TfEntry[] {
  const decoder = new TextDecoder();
  const entries: TfEntry[] = [];
  for (const { key, value } of readTable(index)) {
    if (key.length === 0) {
      const header = decodeMessage(value, 'bundle header');
      if (num(header, 2, 'bundle header') !== 0) {
        throw new WeightFormatError('this checkpoint was written on a big-endian machine; re-save it on a little-endian one.');
      }
      continue;
    }
    // Slices of partitioned variables have binary keys starting with a zero byte.
    if (key[0] === 0) continue;
    entries.push(parseEntry(decoder.decode(key), value));
  }
  return entries;
}

/** Lists a checkpoint from its `.index` file alone (names, dtypes, shapes, byte ranges in the data shard). */
export function listTfCheckpoint(index: Uint8Array): TensorInfo[] {
  return parseIndex(index).map(({ name, dtype, shape, offset, size }) => ({ name, dtype, shape, offset, size }));
}

/** All entries with their shard and checksum, for callers that need more than the listing. */
export function listTfEntries(index: Uint8Array): TfEntry[] {
  return parseIndex(index);
}

/**
 * Reads every numeric tensor, checking each one's CRC-32C. `data` is the single shard
 * (`.data-00000-of-00001`) or all shards in order. String tensors are skipped (they are never
 * weights; `listTfCheckpoint` still names them).
 */
export function readTfCheckpoint(index: Uint8Array, data: Uint8Array | readonly Uint8Array[]): RawTensor[] {
  const shards = data instanceof Uint8Array ? [data] : data;
  const out: RawTensor[] = [];
  for (const e of parseIndex(index)) {
    if (!Object.hasOwn(DTYPE_TO_TF, e.dtype)) continue;
    if (e.partitioned) throw new WeightFormatError(`tensor ${e.name} is saved as a partitioned variable, which is not supported; re-save it unpartitioned.`);
    const shard = shards[e.shardId];
    if (!shard) throw new WeightFormatError(`tensor ${e.name} lives in data shard ${e.shardId}, which was not provided; load every .data-0000N-of-0000M file.`);
    if (e.offset + e.size > shard.length) {
      throw new WeightFormatError(`tensor ${e.name} needs bytes ${e.offset}..${e.offset + e.size} of a ${shard.length}-byte data file; the data file is truncated or belongs to another checkpoint.`);
    }
    const bytes = shard.subarray(e.offset, e.offset + e.size);
    if (e.maskedCrc !== undefined && crc32c(bytes) !== unmaskCrc(e.maskedCrc)) {
      throw new WeightFormatError(`tensor ${e.name} fails its CRC-32C check; the data file is corrupt or belongs to another checkpoint.`);
    }
    out.push({ name: e.name, dtype: e.dtype as DType, shape: e.shape, bytes });
  }
  return out;
}

/** Writes a single-shard checkpoint: `{index}` for `x.ckpt.index`, `{data}` for `x.ckpt.data-00000-of-00001`. */
export function writeTfCheckpoint(tensors: RawTensor[], options?: TableWriteOptions): { index: Uint8Array; data: Uint8Array } {
  const encoder = new TextEncoder();
  const keyed = tensors.map((t) => ({ t, key: encoder.encode(t.name) })).sort((a, b) => compareBytes(a.key, b.key));
  const data = new Uint8Array(keyed.reduce((n, { t }) => n + t.bytes.length, 0));
  const entries = [{ key: new Uint8Array(0), value: new ProtoWriter().varint(1, 1).bytes(3, new ProtoWriter().varint(1, 1).finish()).finish() }];
  let offset = 0;
  for (const { t, key } of keyed) {
    const shape = new ProtoWriter();
    for (const d of t.shape) shape.bytes(2, new ProtoWriter().varint(1, d).finish());
    const entry = new ProtoWriter().varint(1, DTYPE_TO_TF[t.dtype]).bytes(2, shape.finish());
    if (offset > 0) entry.varint(4, offset);
    if (t.bytes.length > 0) entry.varint(5, t.bytes.length);
    entry.fixed32(6, maskCrc(crc32c(t.bytes)));
    entries.push({ key, value: entry.finish() });
    data.set(t.bytes, offset);
    offset += t.bytes.length;
  }
  return { index: writeTable(entries, options), data };
}
