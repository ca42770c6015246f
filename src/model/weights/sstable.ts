// LevelDB table format ("SSTable"), which TensorFlow uses for checkpoint `.index` files.
// File: data blocks, a metaindex block, an index block (last key of each data block → its
// BlockHandle), then a 48-byte footer: two varint BlockHandles padded to 40 bytes and the
// magic 0xdb4775248b80fb57. Each block is followed by a 5-byte trailer: compression type
// (0 none, 1 snappy) and the masked CRC-32C of block bytes + type. Block contents: entries
// `varint shared, varint unshared, varint valueLength, key suffix, value` with keys
// prefix-compressed against the previous key, then u32 restart offsets and a u32 count.
import { crc32c, maskCrc, unmaskCrc } from './crc';
import { pushVarint, readVarint } from './protobuf';
import { snappyDecompress } from './snappy';
import { WeightFormatError } from './types';

export interface TableEntry {
  key: Uint8Array;
  value: Uint8Array;
}

const FOOTER_BYTES = 48;
const MAGIC_LO = 0x8b80fb57;
const MAGIC_HI = 0xdb477524;
const TRAILER_BYTES = 5;
export const COMPRESSION_NONE = 0;
export const COMPRESSION_SNAPPY = 1;

function fail(message: string): never {
  throw new WeightFormatError(`checkpoint index (table): ${message}`);
}

interface BlockHandle { offset: number; size: number }

function readHandle(bytes: Uint8Array, pos: number, what: string): [BlockHandle, number] {
  const [offset, p1] = readVarint(bytes, pos, `${what} offset`);
  const [size, p2] = readVarint(bytes, p1, `${what} size`);
  return [{ offset, size }, p2];
}

function readBlock(file: Uint8Array, h: BlockHandle, what: string): Uint8Array {
  if (!(h.offset >= 0 && h.size >= 0 && h.offset + h.size + TRAILER_BYTES <= file.length)) {
    fail(`${what} at byte ${h.offset} (+${h.size}) lies beyond the end of the ${file.length}-byte file; the file is truncated or corrupt.`);
  }
  const raw = file.subarray(h.offset, h.offset + h.size);
  const type = file[h.offset + h.size]!;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const stored = unmaskCrc(view.getUint32(h.offset + h.size + 1, true));
  if (crc32c(file.subarray(h.offset + h.size, h.offset + h.size + 1), crc32c(raw)) !== stored) {
    fail(`${what} at byte ${h.offset} fails its CRC-32C check; the file is corrupt (re-download it).`);
  }
  if (type === COMPRESSION_NONE) return raw;
  if (type === COMPRESSION_SNAPPY) return snappyDecompress(raw);
  return fail(`${what} uses compression type ${type}; only none (0) and snappy (1) exist.`);
}

function parseBlock(block: Uint8Array, what: string): TableEntry[] {
  if (block.length < 4) fail(`${what} is shorter than its restart count.`);
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const restarts = view.getUint32(block.length - 4, true);
  if (restarts * 4 > block.length - 4) fail(`${what} declares ${restarts} restart points, more than fit in ${block.length} bytes.`);
  const end = block.length - 4 - restarts * 4;
  const entries: TableEntry[] = [];
  let last = new Uint8Array(0);
  let p = 0;
  while (p < end) {
    const [shared, p1] = readVarint(block, p, `${what} entry`);
    const [unshared, p2] = readVarint(block, p1, `${what} entry`);
    const [valueLength, p3] = readVarint(block, p2, `${what} entry`);
    if (shared < 0 || unshared < 0 || valueLength < 0 || shared > last.length || p3 + unshared + valueLength > end) {
      fail(`${what} has a malformed entry at byte ${p}; the file is corrupt.`);
    }
    const key = new Uint8Array(shared + unshared);
    key.set(last.subarray(0, shared));
    key.set(block.subarray(p3, p3 + unshared), shared);
    entries.push({ key, value: block.subarray(p3 + unshared, p3 + unshared + valueLength) });
    last = key;
    p = p3 + unshared + valueLength;
  }
  return entries;
}

/** Every key/value pair of a table, in file (sorted) order. */
export function readTable(file: Uint8Array): TableEntry[] {
  if (file.length < FOOTER_BYTES) fail(`the file has only ${file.length} bytes, fewer than a table footer; it is truncated.`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(file.length - 8, true) !== MAGIC_LO || view.getUint32(file.length - 4, true) !== MAGIC_HI) {
    fail('the footer magic number is missing; this is not a TensorFlow checkpoint .index file (or it is truncated).');
  }
  const footer = file.subarray(file.length - FOOTER_BYTES, file.length - 8);
  const [, afterMeta] = readHandle(footer, 0, 'metaindex handle');
  const [indexHandle] = readHandle(footer, afterMeta, 'index handle');
  const entries: TableEntry[] = [];
  for (const indexEntry of parseBlock(readBlock(file, indexHandle, 'index block'), 'index block')) {
    const [handle] = readHandle(indexEntry.value, 0, 'data block handle');
    for (const e of parseBlock(readBlock(file, handle, 'data block'), 'data block')) entries.push(e);
  }
  return entries;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export interface TableWriteOptions {
  /** Target uncompressed data block size in bytes (LevelDB's default is 4096). */
  blockSize?: number;
  /** Entries between full (unshared) keys. */
  restartInterval?: number;
  /** Returns a snappy-compressed block, or null to store it uncompressed. */
  compress?: (raw: Uint8Array) => Uint8Array | null;
}

class BlockBuilder {
  private out: number[] = [];
  private restarts: number[] = [0];
  private last: Uint8Array = new Uint8Array(0);
  private count = 0;
  constructor(private readonly restartInterval: number) {}
  get size(): number { return this.out.length; }
  get empty(): boolean { return this.count === 0; }
  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.count % this.restartInterval === 0) {
      if (this.count > 0) this.restarts.push(this.out.length);
    } else {
      while (shared < key.length && shared < this.last.length && key[shared] === this.last[shared]) shared++;
    }
    pushVarint(this.out, shared);
    pushVarint(this.out, key.length - shared);
    pushVarint(this.out, value.length);
    for (let i = shared; i < key.length; i++) this.out.push(key[i]!);
    for (const b of value) this.out.push(b);
    this.last = key;
    this.count++;
  }
  finish(): Uint8Array {
    const bytes = new Uint8Array(this.out.length + 4 * this.restarts.length + 4);
    bytes.set(this.out);
    const view = new DataView(bytes.buffer);
    this.restarts.forEach((r, i) => view.setUint32(this.out.length + 4 * i, r, true));
    view.setUint32(bytes.length - 4, this.restarts.length, true);
    return bytes;
  }
}

/** Writes a table holding `entries` (sorted here; keys must be unique). */
export function writeTable(entries: TableEntry[], options: TableWriteOptions = {}): Uint8Array {
  const blockSize = options.blockSize ?? 4096;
  const restartInterval = options.restartInterval ?? 16;
  const sorted = [...entries].sort((a, b) => compareBytes(a.key, b.key));
  for (let i = 1; i < sorted.length; i++) {
    if (compareBytes(sorted[i - 1]!.key, sorted[i]!.key) === 0) throw new Error('writeTable: duplicate key');
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  const emit = (contents: Uint8Array, allowCompression: boolean): number[] => {
    const compressed = allowCompression && options.compress ? options.compress(contents) : null;
    const body = compressed ?? contents;
    const trailer = new Uint8Array(TRAILER_BYTES);
    trailer[0] = compressed ? COMPRESSION_SNAPPY : COMPRESSION_NONE;
    new DataView(trailer.buffer).setUint32(1, maskCrc(crc32c(trailer.subarray(0, 1), crc32c(body))), true);
    const handle: number[] = [];
    pushVarint(handle, length);
    pushVarint(handle, body.length);
    chunks.push(body, trailer);
    length += body.length + TRAILER_BYTES;
    return handle;
  };
  const index = new BlockBuilder(1);
  let data = new BlockBuilder(restartInterval);
  let lastKey: Uint8Array = new Uint8Array(0);
  const flush = () => {
    // The block's last key separates it from the next block (>= its keys, < the next's).
    index.add(lastKey, Uint8Array.from(emit(data.finish(), true)));
    data = new BlockBuilder(restartInterval);
  };
  for (const e of sorted) {
    data.add(e.key, e.value);
    lastKey = e.key;
    if (data.size >= blockSize) flush();
  }
  if (!data.empty) flush();
  const metaHandle = emit(new BlockBuilder(restartInterval).finish(), false);
  const indexHandle = emit(index.finish(), false);
  const footer = new Uint8Array(FOOTER_BYTES);
  footer.set([...metaHandle, ...indexHandle]);
  const fv = new DataView(footer.buffer);
  fv.setUint32(40, MAGIC_LO, true);
  fv.setUint32(44, MAGIC_HI, true);
  chunks.push(footer);
  const file = new Uint8Array(length + FOOTER_BYTES);
  let o = 0;
  for (const c of chunks) { file.set(c, o); o += c.length; }
  return file;
}
