// UniLM greedy decoding with the key/value cache against re-running the whole sequence every
// step (the bert4keras SimBERT way), side by side on the wasm backend in Node.
//
//   npm run bench -- --only unilm
//
// Setup: a 32-token source ([CLS] + 30 characters + [SEP]) and 32 generated tokens (minLength
// keeps [SEP] out, so both paths run all 32 steps on the random-weight model). Both paths produce
// the same tokens (checked before timing). Model: the first entry of public/models/index.json
// (the tiny fixture unless another model is bundled); with --gen-model DIR any model folder.
// A second entry runs the same on random weights of a wider shape (4 layers, hidden 256,
// intermediate 1024, as this project's trainer makes; the fixture's 21128-token vocabulary):
// on the 2-layer, 64-wide fixture nearly all of a step is fixed per-op overhead and the shared
// MLM head, so the cache saves little there; the wider shape shows how the gap grows with width.
// Reported: ours_ms = cached decode, peer_ms = recompute decode (median of --gen-reps, default 5,
// after one warm-up each), ratio = peer / ours, and tokens/s of each.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { flagString, parseArgs } from '../src/cli/args';
import { initBackend } from '../src/gpu/backend';
import type { ModelFile } from '../src/model/files';
import { BertModel, type WeightMap } from '../src/model/bert';
import { parseBertConfig } from '../src/model/config';
import { BertTokenizer } from '../src/model/tokenizer';
import { expectedTensors } from '../src/model/weights/schema';
import { greedy, type PredictFn } from '../src/tasks/decoding/decoder';
import { createRng } from '../src/tasks/decoding/rng';
import { loadSession } from '../src/tasks/session';
import { recomputePredict, UniLMDecoder, type UniLMSource } from '../src/tasks/generate/unilm';
import { registerBenchmarks, type BenchResult } from './benchmarks';

const SOURCE_TOKENS = 32;
const GENERATED = 32;

function filesIn(dir: string, names?: string[]): ModelFile[] {
  return (names ?? readdirSync(dir)).filter((n) => statSync(join(dir, n)).isFile()).map((name) => {
    const bytes = new Uint8Array(readFileSync(join(dir, name)));
    return { name, size: bytes.byteLength, read: async (p) => (p?.(bytes.byteLength, bytes.byteLength), bytes) };
  });
}

function bundledModel(): { dir: string; files: string[]; name: string } {
  const [first] = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as { id: string; baseUrl: string; files: string[] }[];
  if (!first) throw new Error('public/models/index.json lists no model.');
  return { dir: join('public', first.baseUrl), files: first.files, name: first.id };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

type Decodable = { model: BertModel; tokenizer: BertTokenizer };

/** Random weights N(0, 0.02²)-ish (uniform of the same spread), LayerNorm γ = 1, β = 0. */
function syntheticModel(): Decodable {
  const fixture = JSON.parse(readFileSync('tests/fixtures/hf-tiny-bert-zh/config.json', 'utf8')) as Record<string, unknown>;
  const config = parseBertConfig({ ...fixture, hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024 });
  const rng = createRng(1);
  const weights: WeightMap = new Map();
  for (const e of expectedTensors(config)) {
    if (e.group === 'buffer' || e.group === 'decoder' || e.group === 'nsp') continue;
    const size = e.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (/LayerNorm\.weight$/.test(e.name)) data.fill(1);
    else if (!/bias$/.test(e.name)) for (let i = 0; i < size; i++) data[i] = (rng.next() - 0.5) * 0.07;
    weights.set(e.name, { shape: e.shape, data });
  }
  const tokenizer = BertTokenizer.fromVocabText(readFileSync('tests/fixtures/hf-tiny-bert-zh/vocab.txt', 'utf8'));
  return { model: BertModel.create(config, weights), tokenizer };
}

async function timeDecode(session: Decodable, source: UniLMSource, cached: boolean): Promise<{ ms: number; ids: number[] }> {
  const opts = { endId: session.tokenizer.sepId, maxLength: GENERATED, minLength: GENERATED };
  const t0 = performance.now();
  if (cached) {
    const decoder = new UniLMDecoder(session.model, source, GENERATED);
    try {
      const ids = await greedy(decoder.predict, source, { ...opts, reorder: decoder.reorder });
      return { ms: performance.now() - t0, ids };
    } finally {
      decoder.dispose();
    }
  }
  const ids = await greedy(recomputePredict(session.model) as PredictFn<unknown, UniLMSource>, source, opts);
  return { ms: performance.now() - t0, ids };
}

async function measure(session: Decodable, name: string, reps: number, backend: string): Promise<BenchResult> {
  const text = '今天天气很好我们一起去公园散步然后去吃午饭好不好呀'.repeat(2).slice(0, SOURCE_TOKENS - 2);
  const source = { ids: session.tokenizer.encode(text).ids };
  if (source.ids.length !== SOURCE_TOKENS) throw new Error(`the source encodes to ${source.ids.length} tokens, expected ${SOURCE_TOKENS}`);
  // Warm-up, and both paths must agree before their times mean anything.
  const a = await timeDecode(session, source, true);
  const b = await timeDecode(session, source, false);
  if (a.ids.join() !== b.ids.join()) throw new Error('the cached and recomputed decodes chose different tokens');
  const before = tf.memory().numTensors;
  const ours: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < reps; i++) {
    ours.push((await timeDecode(session, source, true)).ms);
    peer.push((await timeDecode(session, source, false)).ms);
  }
  if (tf.memory().numTensors !== before) throw new Error(`tensor leak: ${tf.memory().numTensors - before} tensors left after the timed decodes`);
  const oursMs = median(ours);
  const peerMs = median(peer);
  const c = session.model.config;
  return {
    ratio: peerMs / oursMs,
    ours_ms: oursMs,
    peer_ms: peerMs,
    tokens_per_s_cached: (1000 * GENERATED) / oursMs,
    tokens_per_s_recompute: (1000 * GENERATED) / peerMs,
    backend,
    model: `${name} (${c.numLayers} layers, hidden ${c.hiddenSize}, vocab ${c.vocabSize})`,
    note: `greedy, ${SOURCE_TOKENS}-token source + ${GENERATED} generated, median of ${reps}`,
  };
}

async function run(): Promise<Record<string, BenchResult>> {
  const args = parseArgs(['bench', ...process.argv.slice(2)]);
  const reps = Number(flagString(args, 'gen-reps') ?? 5);
  const dir = flagString(args, 'gen-model');
  const model = dir ? { dir, files: undefined, name: dir } : bundledModel();
  const report = await initBackend({ override: 'wasm', gpu: null });
  const results: Record<string, BenchResult> = {};
  const session = await loadSession(model.name, filesIn(model.dir, model.files));
  try {
    results.unilm_kv_cache_vs_recompute = await measure(session, model.name, reps, report.backend);
  } finally {
    session.model.dispose();
  }
  const wide = syntheticModel();
  try {
    results.unilm_kv_cache_vs_recompute_h256 = await measure(wide, 'random weights', reps, report.backend);
  } finally {
    wide.model.dispose();
  }
  return results;
}

registerBenchmarks([{ name: 'unilm_kv_cache_vs_recompute', run }]);
