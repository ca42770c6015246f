// Mutation fuzzing of every reader: truncations, bit flips, scrambled headers and absurd
// declared sizes. Each parse must succeed with well-formed tensors or throw a
// WeightFormatError, within 2 s and without allocating far beyond the input's size.
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readNative, writeNative } from './native';
import { listSafetensors, readSafetensors } from './safetensors';
import { snappyWithCopies } from './snappy.testutil';
import { listTfCheckpoint, readTfCheckpoint, writeTfCheckpoint } from './tf-bundle';
import { readTorchCheckpoint } from './torch-pickle';
import { torchPickle, type TorchTestTensor } from './torch-zip.testutil';
import { DTYPE_BYTES, numElements, WeightFormatError, type RawTensor } from './types';

// FUZZ_ITERATIONS / FUZZ_SEED widen a local run; the defaults keep CI deterministic and fast.
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const PARSE_LIMIT_MS = 2000;

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A few small fixture tensors keep every file a few KiB, so mutations hit structure often.
const fixture = readSafetensors(new Uint8Array(readFileSync('tests/fixtures/hf-tiny-bert-zh/model.safetensors')));
const pick = (name: string) => fixture.find((t) => t.name === name)!;
const query = pick('bert.encoder.layer.0.attention.self.query.weight');
const small: RawTensor[] = [
  pick('bert.embeddings.LayerNorm.weight'),
  pick('bert.embeddings.LayerNorm.bias'),
  pick('bert.embeddings.position_ids'),
  { ...query, shape: [8, 64], bytes: query.bytes.subarray(0, 8 * 64 * 4) },
];

function safetensorsFile(tensors: RawTensor[]): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  const dtypes: Record<string, string> = { float32: 'F32', int64: 'I64' };
  for (const t of tensors) {
    header[t.name] = { dtype: dtypes[t.dtype], shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const t of tensors) { out.set(t.bytes, o); o += t.bytes.length; }
  return out;
}

function torchFile(level: 0 | 6): Uint8Array {
  const tensors: TorchTestTensor[] = small.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, storage: t.bytes.slice() }));
  tensors.push({ name: 'transposed', dtype: 'float32', shape: [64, 8], storage: small[3]!.bytes.slice(), stride: [1, 64] });
  const files: Record<string, Uint8Array> = { 'archive/data.pkl': torchPickle(tensors), 'archive/version': new TextEncoder().encode('3\n') };
  tensors.forEach((t, key) => { files[`archive/data/${key}`] = t.storage; });
  return zipSync(files, { level });
}

const tf = writeTfCheckpoint(small, { blockSize: 128 });
const tfSnappy = writeTfCheckpoint(small, { blockSize: 128, compress: snappyWithCopies });
const realIndex = new Uint8Array(readFileSync('tests/fixtures/tf-checkpoint-index/bert_model.ckpt.index'));
const native16 = writeNative({ config: { hidden_size: 64 }, tensors: small, dtype: 'float16', vocabText: '[PAD]\n[UNK]\n', extra: { a: 1 } });

type Mutation = (b: Uint8Array, rng: () => number, hot: number[]) => Uint8Array;
const at = (rng: () => number, n: number) => Math.floor(rng() * n);
const hotOrRandom = (b: Uint8Array, rng: () => number, hot: number[]) =>
  hot.length > 0 && rng() < 0.6 ? hot[at(rng, hot.length)]! : at(rng, b.length);

const MUTATIONS: Record<string, Mutation> = {
  truncate: (b, rng) => b.slice(0, at(rng, b.length)),
  flip: (b, rng) => {
    const c = b.slice();
    for (let i = 1 + at(rng, 8); i > 0; i--) c[at(rng, c.length)]! ^= 1 << at(rng, 8);
    return c;
  },
  scrambleHeader: (b, rng, hot) => {
    const c = b.slice();
    const start = hotOrRandom(b, rng, hot);
    for (let i = 0; i < 1 + at(rng, 16) && start + i < c.length; i++) c[start + i] = at(rng, 256);
    return c;
  },
  hugeSize: (b, rng, hot) => {
    const c = b.slice();
    const p = Math.min(hotOrRandom(b, rng, hot), Math.max(0, c.length - 8));
    const v = new DataView(c.buffer);
    const kind = at(rng, 3);
    if (kind === 0 && p + 8 <= c.length) v.setBigUint64(p, 2n ** 40n, true);
    else if (kind === 1 && p + 4 <= c.length) v.setUint32(p, 0xfffffff0, true);
    else c.set([0x80, 0x80, 0x80, 0x80, 0x80, 0x20].slice(0, c.length - p), p); // varint 2^40
    return c;
  },
  splice: (b, rng) => {
    const p = at(rng, b.length);
    const n = 1 + at(rng, 32);
    return rng() < 0.5
      ? Uint8Array.from([...b.subarray(0, p), ...b.subarray(p + n)])
      : Uint8Array.from([...b.subarray(0, p), ...Array.from({ length: n }, () => at(rng, 256)), ...b.subarray(p)]);
  },
};

/** Offsets of length fields worth hitting: ZIP size/offset fields, table footers, preambles. */
function zipHotspots(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const hot: number[] = [];
  for (let p = 0; p + 4 <= b.length; p++) {
    const sig = v.getUint32(p, true);
    if (sig === 0x02014b50) hot.push(p + 20, p + 24, p + 28, p + 42);
    if (sig === 0x04034b50) hot.push(p + 18, p + 22, p + 26, p + 28);
    if (sig === 0x06054b50) hot.push(p + 8, p + 10, p + 12, p + 16);
  }
  return hot;
}
const tableHotspots = (b: Uint8Array) => Array.from({ length: 40 }, (_, i) => b.length - 48 + i);

function checkTensors(tensors: RawTensor[]): void {
  for (const t of tensors) {
    const want = numElements(t.shape) * DTYPE_BYTES[t.dtype];
    if (t.bytes.length !== want) throw new Error(`parsed ${t.name} with ${t.bytes.length} bytes, expected ${want}`);
  }
}

interface Target {
  name: string;
  bytes: Uint8Array;
  hot: number[];
  parse: (b: Uint8Array) => RawTensor[] | void;
}

const targets: Target[] = [
  { name: 'safetensors', bytes: safetensorsFile(small), hot: [0, 4, 8], parse: (b) => { listSafetensors(b); return readSafetensors(b); } },
  { name: 'torch zip (stored)', bytes: torchFile(0), hot: [], parse: readTorchCheckpoint },
  { name: 'torch zip (deflate)', bytes: torchFile(6), hot: [], parse: readTorchCheckpoint },
  { name: 'TF index', bytes: tf.index, hot: tableHotspots(tf.index), parse: (b) => readTfCheckpoint(b, tf.data) },
  { name: 'TF snappy index', bytes: tfSnappy.index, hot: tableHotspots(tfSnappy.index), parse: (b) => readTfCheckpoint(b, tfSnappy.data) },
  { name: 'TF data', bytes: tf.data, hot: [], parse: (b) => readTfCheckpoint(tf.index, b) },
  { name: 'TF fixture index', bytes: realIndex, hot: tableHotspots(realIndex), parse: (b) => { listTfCheckpoint(b); } },
  { name: 'native', bytes: native16, hot: [8, 12], parse: (b) => readNative(b).tensors },
];
for (const t of targets) if (t.name.startsWith('torch')) t.hot = zipHotspots(t.bytes);

describe('weight readers under mutation', () => {
  for (const [ti, target] of targets.entries()) {
    it(`${target.name}: every mutant parses cleanly or throws WeightFormatError`, () => {
      expect(checkTensors(target.parse(target.bytes) ?? [])).toBeUndefined(); // the unmutated file is valid
      const rng = mulberry32(SEED + ti);
      const names = Object.keys(MUTATIONS);
      const outcomes = { ok: 0, rejected: 0 };
      for (let i = 0; i < ITERATIONS; i++) {
        const kind = names[at(rng, names.length)]!;
        const mutant = MUTATIONS[kind]!(target.bytes, rng, target.hot);
        const memBefore = process.memoryUsage().arrayBuffers;
        const start = performance.now();
        let result: RawTensor[] | void = undefined;
        try {
          result = target.parse(mutant);
        } catch (e) {
          if (!(e instanceof WeightFormatError)) {
            throw new Error(`${target.name} mutant ${i} (${kind}) threw ${(e as Error).name}: ${(e as Error).message}`);
          }
          outcomes.rejected++;
        }
        const ms = performance.now() - start;
        expect(ms, `${target.name} mutant ${i} (${kind}) took ${ms.toFixed(0)} ms`).toBeLessThan(PARSE_LIMIT_MS);
        if (result) { checkTensors(result); outcomes.ok++; }
        const grown = process.memoryUsage().arrayBuffers - memBefore;
        expect(grown, `${target.name} mutant ${i} (${kind}) kept ${grown} bytes`).toBeLessThan(64 * 2 ** 20 + 16 * mutant.length);
      }
      // Mutations must actually exercise the error paths, not just benign bytes.
      expect(outcomes.rejected).toBeGreaterThan(ITERATIONS / 10);
    });
  }
});
