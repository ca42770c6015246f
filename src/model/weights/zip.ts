// Minimal ZIP reader for checkpoint archives (torch.save writes one): walks the central
// directory (zip64 records when present), supports stored and deflated entries, and checks
// each entry's CRC-32. Every size is checked against the file length before anything is
// allocated, so a corrupt or hostile archive fails with a WeightFormatError.
import { inflateSync } from 'fflate';
import { crc32 } from './crc';
import { WeightFormatError } from './types';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;
// DEFLATE cannot expand by more than ~1032:1; a larger declared size is a lie.
const MAX_DEFLATE_RATIO = 1032;

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Absolute offset of the entry's (possibly compressed) bytes within the archive. */
  dataOffset: number;
}

function fail(message: string): never {
  throw new WeightFormatError(`ZIP archive: ${message}`);
}

class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(offset: number, length: number, what: string): void {
    if (!(offset >= 0 && length >= 0 && offset + length <= this.bytes.length)) {
      fail(`${what} at byte ${offset} (+${length}) lies beyond the end of the ${this.bytes.length}-byte file; the file is truncated or not a ZIP archive.`);
    }
  }
  u16(o: number): number { return this.view.getUint16(o, true); }
  u32(o: number): number { return this.view.getUint32(o, true); }
  u64(o: number): number {
    const v = this.view.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`a 64-bit field at byte ${o} holds ${v}, far beyond any real file size.`);
    return Number(v);
  }
}

function findEndOfCentralDirectory(r: Reader): number {
  if (r.bytes.length < EOCD_MIN) fail(`the file has only ${r.bytes.length} bytes; the file is truncated or not a ZIP archive.`);
  const lowest = Math.max(0, r.bytes.length - EOCD_MIN - MAX_COMMENT);
  for (let o = r.bytes.length - EOCD_MIN; o >= lowest; o--) {
    if (r.u32(o) === SIG_EOCD && o + EOCD_MIN + r.u16(o + 20) <= r.bytes.length) return o;
  }
  return fail('no end-of-central-directory record found; the file is truncated or not a ZIP archive.');
}

interface Directory { count: number; offset: number; size: number }

function readDirectoryLocation(r: Reader, eocd: number): Directory {
  let count = r.u16(eocd + 10);
  let size = r.u32(eocd + 12);
  let offset = r.u32(eocd + 16);
  if (r.u16(eocd + 4) !== 0 || r.u16(eocd + 6) !== 0) fail('multi-disk (split) archives are not supported; join the parts first.');
  const locator = eocd - 20;
  if (locator >= 0 && r.u32(locator) === SIG_ZIP64_LOCATOR) {
    const z = r.u64(locator + 8);
    r.need(z, 56, 'zip64 end-of-central-directory record');
    if (r.u32(z) !== SIG_ZIP64_EOCD) fail(`bad zip64 end-of-central-directory signature at byte ${z}.`);
    count = r.u64(z + 32);
    size = r.u64(z + 40);
    offset = r.u64(z + 48);
  }
  r.need(offset, size, 'central directory');
  // Each central header is at least 46 bytes: a larger count cannot fit.
  if (count * 46 > size) fail(`the central directory declares ${count} entries but is only ${size} bytes long.`);
  return { count, offset, size };
}

/** Lists the entries of a ZIP archive without decompressing them. */
export function listZip(bytes: Uint8Array): ZipEntry[] {
  const r = new Reader(bytes);
  const dir = readDirectoryLocation(r, findEndOfCentralDirectory(r));
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  let p = dir.offset;
  const end = dir.offset + dir.size;
  for (let i = 0; i < dir.count; i++) {
    if (p + 46 > end) fail(`central directory entry ${i} runs past the directory end.`);
    if (r.u32(p) !== SIG_CENTRAL) fail(`bad central directory signature at byte ${p} (entry ${i}).`);
    const flags = r.u16(p + 8);
    const method = r.u16(p + 10);
    const crc = r.u32(p + 16);
    let compressedSize = r.u32(p + 20);
    let size = r.u32(p + 24);
    const nameLen = r.u16(p + 28);
    const extraLen = r.u16(p + 30);
    const commentLen = r.u16(p + 32);
    let localOffset = r.u32(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > end) fail(`central directory entry ${i} runs past the directory end.`);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // Zip64 extra field (id 1): 64-bit values for exactly those fields saturated at 0xffffffff.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
      const id = r.u16(e);
      const len = r.u16(e + 2);
      if (e + 4 + len > p + 46 + nameLen + extraLen) fail(`entry "${name}" has a malformed extra field.`);
      if (id === 1) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > e + 4 + len) fail(`entry "${name}" has a short zip64 extra field.`);
          const v = r.u64(q);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`entry "${name}" is encrypted; weight files are never encrypted.`);
    if (method !== 0 && method !== 8) fail(`entry "${name}" uses compression method ${method}; only stored (0) and deflate (8) are supported.`);
    if (method === 0 && compressedSize !== size) fail(`stored entry "${name}" declares ${compressedSize} stored bytes but ${size} uncompressed bytes.`);
    if (method === 8 && size > compressedSize * MAX_DEFLATE_RATIO + 1024) {
      fail(`entry "${name}" declares ${size} bytes from ${compressedSize} compressed bytes, more than deflate can produce.`);
    }
    r.need(localOffset, 30, `local header of "${name}"`);
    if (r.u32(localOffset) !== SIG_LOCAL) fail(`bad local header signature at byte ${localOffset} (entry "${name}").`);
    const dataOffset = localOffset + 30 + r.u16(localOffset + 26) + r.u16(localOffset + 28);
    r.need(dataOffset, compressedSize, `data of "${name}"`);
    entries.push({ name, method, crc32: crc, compressedSize, size, dataOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The uncompressed bytes of one entry (a view into `bytes` for stored entries), CRC-checked. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) {
    data = raw;
  } else {
    let out: Uint8Array;
    try {
      // A fixed output buffer bounds memory by the (already checked) declared size.
      out = new Uint8Array(entry.size);
    } catch {
      return fail(`entry "${entry.name}" inflates to ${entry.size} bytes, more than this browser can hold in one buffer.`);
    }
    try {
      data = inflateSync(raw, { out });
    } catch (e) {
      return fail(`entry "${entry.name}" has corrupt deflate data (${(e as Error).message}).`);
    }
    if (data.length !== entry.size) fail(`entry "${entry.name}" inflates to ${data.length} bytes, but declares ${entry.size}.`);
  }
  if (crc32(data) !== entry.crc32) fail(`entry "${entry.name}" fails its CRC-32 check; the file is corrupt (re-download it).`);
  return data;
}

/** All entries of a ZIP archive by name, decompressed and CRC-checked. */
export function readZip(bytes: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const entry of listZip(bytes)) out.set(entry.name, readZipEntry(bytes, entry));
  return out;
}
