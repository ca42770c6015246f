import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { snappyLiteralOnly, snappyWithCopies } from './snappy.testutil';
import { compareBytes, readTable, writeTable, type TableEntry } from './sstable';
import { WeightFormatError } from './types';

const fixture = new Uint8Array(readFileSync('tests/fixtures/tf-checkpoint-index/bert_model.ckpt.index'));
const enc = (s: string) => new TextEncoder().encode(s);

function sameEntries(a: TableEntry[], b: TableEntry[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((e, i) => {
    expect(compareBytes(e.key, b[i]!.key), `key ${i}`).toBe(0);
    expect(compareBytes(e.value, b[i]!.value), `value ${i}`).toBe(0);
  });
}

const synthetic: TableEntry[] = Array.from({ length: 300 }, (_, i) => ({
  key: enc(`bert/encoder/layer_${Math.floor(i / 16)}/attention/self/query/kernel/${String(i).padStart(4, '0')}`),
  value: Uint8Array.from({ length: 8 + (i % 13) }, (_, j) => (i * 7 + j) & 0xff),
})).sort((a, b) => compareBytes(a.key, b.key)); // layer_10 sorts before layer_2, as in a real index

describe('LevelDB table', () => {
  it('reads the TensorFlow-written fixture index in sorted key order', () => {
    const entries = readTable(fixture);
    expect(entries).toHaveLength(203); // the bundle header plus 202 variables
    expect(entries[0]!.key.length).toBe(0);
    for (let i = 1; i < entries.length; i++) expect(compareBytes(entries[i - 1]!.key, entries[i]!.key)).toBeLessThan(0);
  });

  it('rewrites the fixture entries into a table that reads back identically', () => {
    const entries = readTable(fixture);
    sameEntries(readTable(writeTable(entries)), entries);
    sameEntries(readTable(writeTable(entries, { blockSize: 200, restartInterval: 3 })), entries);
  });

  it('round-trips snappy-compressed blocks (literal-only and with copies)', () => {
    const plain = writeTable(synthetic, { blockSize: 1024 });
    const literal = writeTable(synthetic, { blockSize: 1024, compress: snappyLiteralOnly });
    const copies = writeTable(synthetic, { blockSize: 1024, compress: snappyWithCopies });
    expect(literal.length).toBeGreaterThan(plain.length); // literal encoding only adds headers
    expect(copies.length).toBeLessThan(plain.length * 0.8);
    for (const file of [plain, literal, copies]) sameEntries(readTable(file), synthetic);
  });

  it('sorts unsorted input and keeps binary keys', () => {
    const entries = [{ key: Uint8Array.from([0, 1]), value: enc('z') }, { key: enc('b'), value: enc('y') }, { key: enc('a'), value: enc('x') }];
    const read = readTable(writeTable(entries));
    expect(read.map((e) => Array.from(e.key))).toEqual([[0, 1], [97], [98]]);
    expect(() => writeTable([entries[1]!, entries[1]!])).toThrow(/duplicate/);
  });

  it('rejects corrupt tables with WeightFormatError', () => {
    const file = writeTable(synthetic, { blockSize: 1024 });
    const flipped = file.slice();
    flipped[100]! ^= 1;
    expect(() => readTable(flipped)).toThrow(/CRC-32C/);
    expect(() => readTable(file.subarray(0, file.length - 1))).toThrow(/magic/);
    expect(() => readTable(file.subarray(0, 20))).toThrow(/truncated/);
    const lying = file.slice();
    // Index handle {offset 0, size 2^40}: must fail before anything that large is touched.
    lying.set([0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20], lying.length - 48);
    expect(() => readTable(lying)).toThrow(WeightFormatError);
    expect(() => readTable(lying)).toThrow(/beyond the end/);
  });
});
