// The playground's own compact weight format (`.bpg`): one file holding config, tensors and
// optionally the vocabulary, ready to load without conversion.
//
//   bytes 0..8    "BERTPG01" (ASCII magic)
//   bytes 8..12   u32 LE format version (1)
//   bytes 12..16  u32 LE header length H
//   bytes 16..16+H  UTF-8 JSON {config, tensors: [{name, dtype, shape, offset, size}], vocab?, extra?}
//   zero padding to a multiple of 16, then the data section; tensor `offset`s are relative to
//   the data section and 16-byte aligned so typed-array views need no copy.
//
// With dtype 'float16', tensors of two or more dimensions (embeddings, dense kernels: ~all of
// the bytes) are stored as IEEE half precision, rounded to nearest even; 1-D tensors (biases,
// LayerNorm scales) stay float32: they are tiny, and LayerNorm scales multiply every activation.
import { DTYPE_BYTES, numElements, toFloat32, WeightFormatError, type RawTensor, type TensorInfo } from './types';

const MAGIC = 'BERTPG01';
export const NATIVE_VERSION = 1;
export const NATIVE_EXTENSION = '.bpg';
const ALIGN = 16;
const PREAMBLE = 16;

export type NativeDType = 'float32' | 'float16';

export interface NativeTensorEntry {
  name: string;
  dtype: NativeDType;
  shape: number[];
  /** Byte offset within the data section (a multiple of 16). */
  offset: number;
  size: number;
}

/** A tensor to write: raw (any numeric dtype, widened to float32) or already float32. */
export type NativeTensorInput = RawTensor | { name: string; shape: number[]; data: Float32Array };

export interface NativeWriteInput {
  /** HF-style config JSON (see configToJson). */
  config: unknown;
  tensors: Iterable<NativeTensorInput>;
  vocabText?: string;
  dtype: NativeDType;
  extra?: unknown;
}

export interface NativeFile {
  config: unknown;
  tensors: RawTensor[];
  vocabText?: string;
  extra?: unknown;
}

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE binary16 bits, round to nearest even; overflow → ±Inf, NaN stays NaN. */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: shift the 24-bit significand (implicit 1 included) into 10 bits.
    const shift = 14 - e;
    if (shift > 24) return sign;
    const m = mant | 0x800000;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is still correct
  return sign | h;
}

function asFloat32(t: NativeTensorInput): Float32Array {
  return 'data' in t ? t.data : toFloat32(t);
}

export function writeNative(input: NativeWriteInput): Uint8Array {
  const entries: NativeTensorEntry[] = [];
  const payloads: Uint8Array[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const t of input.tensors) {
    if (seen.has(t.name)) throw new Error(`writeNative: duplicate tensor ${t.name}`);
    seen.add(t.name);
    const data = asFloat32(t);
    if (data.length !== numElements(t.shape)) throw new Error(`writeNative: ${t.name} has ${data.length} values for shape [${t.shape.join(', ')}]`);
    const dtype: NativeDType = input.dtype === 'float16' && t.shape.length >= 2 ? 'float16' : 'float32';
    let bytes: Uint8Array;
    if (dtype === 'float16') {
      const half = new Uint16Array(data.length);
      for (let i = 0; i < data.length; i++) half[i] = floatToHalf(data[i]!);
      bytes = new Uint8Array(half.buffer);
    } else {
      bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
    entries.push({ name: t.name, dtype, shape: [...t.shape], offset, size: bytes.length });
    payloads.push(bytes);
    offset = align(offset + bytes.length);
  }
  const header: Record<string, unknown> = { config: input.config, tensors: entries };
  if (input.vocabText !== undefined) header.vocab = input.vocabText;
  if (input.extra !== undefined) header.extra = input.extra;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align(PREAMBLE + json.length);
  const out = new Uint8Array(dataStart + offset);
  out.set(new TextEncoder().encode(MAGIC));
  const view = new DataView(out.buffer);
  view.setUint32(8, NATIVE_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, PREAMBLE);
  entries.forEach((e, i) => out.set(payloads[i]!, dataStart + e.offset));
  return out;
}

export function isNative(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && new TextDecoder().decode(bytes.subarray(0, 8)) === MAGIC;
}

function fail(message: string): never {
  throw new WeightFormatError(`.bpg weight file: ${message}`);
}

interface ParsedNative {
  header: Record<string, unknown>;
  entries: NativeTensorEntry[];
  dataStart: number;
}

function parseNative(bytes: Uint8Array): ParsedNative {
  if (bytes.length < PREAMBLE) fail(`the file has only ${bytes.length} bytes; it is truncated.`);
  if (!isNative(bytes)) fail('the file does not start with "BERTPG01"; it is not a .bpg weight file.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== NATIVE_VERSION) fail(`format version ${version} is not supported (this build reads version ${NATIVE_VERSION}); update the playground or re-convert.`);
  const headerLength = view.getUint32(12, true);
  if (PREAMBLE + headerLength > bytes.length) fail(`the header declares ${headerLength} bytes but the file has ${bytes.length}; it is truncated.`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE, PREAMBLE + headerLength)));
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message}); the file is corrupt.`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object.');
  const h = header as Record<string, unknown>;
  if (!Array.isArray(h.tensors)) fail('the header has no tensor list.');
  if (h.vocab !== undefined && typeof h.vocab !== 'string') fail('the header vocab is not a string.');
  const dataStart = align(PREAMBLE + headerLength);
  const dataLength = bytes.length - dataStart;
  const names = new Set<string>();
  const entries = (h.tensors as unknown[]).map((raw, i): NativeTensorEntry => {
    const e = raw as Partial<NativeTensorEntry> | null;
    const name = typeof e?.name === 'string' ? e.name : fail(`tensor ${i} has no name.`);
    if (names.has(name)) fail(`tensor ${name} appears twice.`);
    names.add(name);
    if (e!.dtype !== 'float32' && e!.dtype !== 'float16') fail(`tensor ${name} has dtype ${JSON.stringify(e!.dtype)}; expected float32 or float16.`);
    const shape = e!.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${name} has an invalid shape.`);
    const { offset, size } = e!;
    if (!Number.isSafeInteger(offset) || offset! < 0 || offset! % ALIGN !== 0) fail(`tensor ${name} has an invalid offset ${String(offset)}.`);
    const expected = numElements(shape) * DTYPE_BYTES[e!.dtype];
    if (size !== expected) fail(`tensor ${name} records ${String(size)} bytes, expected ${expected} for ${e!.dtype}[${shape.join(', ')}].`);
    if (offset! + size > dataLength) fail(`tensor ${name} ends at byte ${offset! + size} of a ${dataLength}-byte data section; the file is truncated.`);
    return { name, dtype: e!.dtype, shape, offset: offset!, size };
  });
  return { header: h, entries, dataStart };
}

export function readNative(bytes: Uint8Array): NativeFile {
  const { header, entries, dataStart } = parseNative(bytes);
  const out: NativeFile = {
    config: header.config,
    tensors: entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, bytes: bytes.subarray(dataStart + e.offset, dataStart + e.offset + e.size) })),
  };
  if (typeof header.vocab === 'string') out.vocabText = header.vocab;
  if (header.extra !== undefined) out.extra = header.extra;
  return out;
}

/** Table of contents with absolute file offsets. */
export function listNative(bytes: Uint8Array): TensorInfo[] {
  const { entries, dataStart } = parseNative(bytes);
  return entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, offset: dataStart + e.offset, size: e.size }));
}
