import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc';
import { WeightFormatError } from './types';
import { listZip, readZip } from './zip';

const enc = (s: string) => new TextEncoder().encode(s);

/** A stored-only archive written field by field; `zip64` moves sizes/offsets into zip64 records. */
function handZip(files: Record<string, Uint8Array>, zip64: boolean): Uint8Array {
  const parts: number[] = [];
  const u16 = (v: number) => parts.push(v & 0xff, (v >>> 8) & 0xff);
  const u32 = (v: number) => { u16(v & 0xffff); u16(v >>> 16); };
  const u64 = (v: number) => { u32(v % 2 ** 32); u32(Math.floor(v / 2 ** 32)); };
  const bytes = (b: Uint8Array) => parts.push(...b);
  const central: { name: Uint8Array; data: Uint8Array; offset: number }[] = [];
  for (const [n, data] of Object.entries(files)) {
    const name = enc(n);
    central.push({ name, data, offset: parts.length });
    u32(0x04034b50); u16(45); u16(0); u16(0); u16(0); u16(0); u32(crc32(data));
    u32(zip64 ? 0xffffffff : data.length); u32(zip64 ? 0xffffffff : data.length);
    u16(name.length); u16(zip64 ? 20 : 0); bytes(name);
    if (zip64) { u16(1); u16(16); u64(data.length); u64(data.length); }
    bytes(data);
  }
  const cdStart = parts.length;
  for (const c of central) {
    u32(0x02014b50); u16(45); u16(45); u16(0); u16(0); u16(0); u16(0); u32(crc32(c.data));
    u32(zip64 ? 0xffffffff : c.data.length); u32(zip64 ? 0xffffffff : c.data.length);
    u16(c.name.length); u16(zip64 ? 28 : 0); u16(0); u16(0); u16(0); u32(0);
    u32(zip64 ? 0xffffffff : c.offset); bytes(c.name);
    if (zip64) { u16(1); u16(24); u64(c.data.length); u64(c.data.length); u64(c.offset); }
  }
  const cdSize = parts.length - cdStart;
  if (zip64) {
    const z = parts.length;
    u32(0x06064b50); u64(44); u16(45); u16(45); u32(0); u32(0);
    u64(central.length); u64(central.length); u64(cdSize); u64(cdStart);
    u32(0x07064b50); u32(0); u64(z); u32(1);
  }
  u32(0x06054b50); u16(0); u16(0);
  u16(zip64 ? 0xffff : central.length); u16(zip64 ? 0xffff : central.length);
  u32(zip64 ? 0xffffffff : cdSize); u32(zip64 ? 0xffffffff : cdStart); u16(0);
  return Uint8Array.from(parts);
}

const files = {
  'archive/data.pkl': enc('pickle bytes'),
  'archive/data/0': Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 13),
  'archive/version': enc('3\n'),
};

function expectFiles(got: Map<string, Uint8Array>): void {
  expect([...got.keys()].sort()).toEqual(Object.keys(files).sort());
  for (const [k, v] of Object.entries(files)) expect(Array.from(got.get(k)!)).toEqual(Array.from(v));
}

function expectZipError(bytes: Uint8Array, pattern: RegExp): void {
  let caught: unknown;
  try { readZip(bytes); } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(WeightFormatError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('zip reader', () => {
  it('reads stored and deflated entries written by fflate', () => {
    expectFiles(readZip(zipSync(files, { level: 0 })));
    const deflated = zipSync(files, { level: 9 });
    expect(listZip(deflated).find((e) => e.name === 'archive/data/0')!.method).toBe(8);
    expectFiles(readZip(deflated));
  });

  it('reads zip64 records and extra fields', () => {
    const z = handZip(files, true);
    expect(listZip(z).every((e) => e.method === 0)).toBe(true);
    expectFiles(readZip(z));
    expectFiles(readZip(handZip(files, false)));
  });

  it('reads an archive with a trailing comment', () => {
    const z = zipSync(files, { level: 0 });
    const withComment = new Uint8Array(z.length + 5);
    withComment.set(z);
    withComment.set(enc('hello'), z.length);
    new DataView(withComment.buffer).setUint16(z.length - 2, 5, true);
    expectFiles(readZip(withComment));
  });

  it('gives the data offset of stored entries within the file', () => {
    const z = zipSync(files, { level: 0 });
    const e = listZip(z).find((x) => x.name === 'archive/data/0')!;
    expect(Array.from(z.subarray(e.dataOffset, e.dataOffset + 10))).toEqual(Array.from(files['archive/data/0'].subarray(0, 10)));
  });

  it('rejects truncation, bad signatures, oversized entries and corrupt data', () => {
    const z = zipSync(files, { level: 0 });
    const cd = new DataView(z.buffer).getUint32(z.length - 6, true); // central directory offset
    expectZipError(z.subarray(0, 10), /truncated/);
    expectZipError(z.subarray(0, z.length - 30), /end-of-central-directory|beyond the end/);
    expectZipError(enc('definitely not a zip archive, just some text'), /end-of-central-directory/);

    const badCentral = z.slice();
    badCentral[cd] = 0x51;
    expectZipError(badCentral, /central directory signature/);

    const huge = z.slice();
    const v = new DataView(huge.buffer);
    v.setUint32(cd + 20, 0xfffffff0, true); // compressed size of the first entry
    v.setUint32(cd + 24, 0xfffffff0, true); // its uncompressed size
    expectZipError(huge, /beyond the end/);

    const flipped = z.slice();
    const e = listZip(z).find((x) => x.name === 'archive/data/0')!;
    flipped[e.dataOffset + 100]! ^= 0x40;
    expectZipError(flipped, /CRC-32/);
  });

  it('rejects a deflated entry that claims an impossible inflated size', () => {
    const lying = zipSync(files, { level: 9 });
    const lv = new DataView(lying.buffer);
    let p = lv.getUint32(lying.length - 6, true);
    const nameAt = (q: number) => new TextDecoder().decode(lying.subarray(q + 46, q + 46 + lv.getUint16(q + 28, true)));
    while (nameAt(p) !== 'archive/data/0') {
      p += 46 + lv.getUint16(p + 28, true) + lv.getUint16(p + 30, true) + lv.getUint16(p + 32, true);
    }
    lv.setUint32(p + 24, 0x80000000, true);
    expectZipError(lying, /more than deflate can produce/);
    lv.setUint32(p + 24, files['archive/data/0'].length - 1, true);
    expectZipError(lying, /CRC-32|declares/);
  });
});
