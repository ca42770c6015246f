// Benchmarks of the explanation tasks.
//
// perturbed_masking_batched_vs_naive_n24: the impact matrix of a 24-token sentence at the last
// layer. Ours: spanImpacts, i.e. the 24 + 276 distinct masked copies (x∖{i,j} = x∖{j,i}) in
// batches sized by the activation budget. Naive: the definition run literally, one forward of
// the whole model per perturbation (i, j), 24² = 576 forwards, then one pairDistance per row.
// Both give the same matrix (checked before timing); ratio = naive time / ours. Also reported:
// ratio_same_copies, ours against itself with one copy per forward (batching alone).
// wasm backend in Node, on the first bundled model.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { filesFromDirectory } from '../src/cli/common';
import { pairDistance } from '../src/gpu/kernels';
import { initBackend } from '../src/gpu/backend';
import { quietContext } from '../src/tasks/context';
import { spanImpacts, type SpanImpactOptions } from '../src/tasks/explain/perturbed-masking';
import { loadSession, type Session } from '../src/tasks/session';
import { registerBenchmarks, type BenchResult } from './benchmarks';

const SENTENCE = '今天天气很好我们一起去公园散步然后回家吃晚饭好吗'; // 24 characters, one token each

async function firstBundledModel(): Promise<{ id: string; session: Session }> {
  const index = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as { id: string; baseUrl: string }[];
  const entry = index[0];
  if (!entry) throw new Error('public/models/index.json lists no model.');
  return { id: entry.id, session: await loadSession(entry.id, filesFromDirectory(join('public', entry.baseUrl))) };
}

/** f(x_i, x_j) straight from the definition: one full forward per masked sentence. */
async function naiveImpacts(session: Session, ids: number[]): Promise<number[][]> {
  const n = ids.length - 2;
  const maskId = session.tokenizer.maskId;
  const h = session.model.config.hiddenSize;
  const matrix: number[][] = [];
  for (let i = 1; i <= n; i++) {
    const vectors: tf.Tensor[] = [];
    for (let j = 1; j <= n; j++) {
      const row = ids.map((id, t) => (t === i || t === j ? maskId : id));
      vectors.push(tf.tidy(() => {
        const { lastHidden } = session.model.forward({ inputIds: tf.tensor2d([row], [1, row.length], 'int32') });
        return tf.slice(lastHidden, [0, i, 0], [1, 1, h]).reshape([1, h]); // H(x∖{i,j})_i
      }));
    }
    const dist = tf.tidy(() => {
      const b = tf.concat(vectors, 0).reshape([1, n, h]) as tf.Tensor3D; // [1, n, H]
      const a = tf.slice(b, [0, i - 1, 0], [1, 1, h]) as tf.Tensor3D; // j = i: H(x∖{i})_i
      return pairDistance(a, b, 'euclidean'); // [1, 1, n]
    });
    tf.dispose(vectors);
    const out = Array.from(await dist.data());
    dist.dispose();
    out[i - 1] = 0;
    matrix.push(out);
  }
  return matrix;
}

async function timeMs(fn: () => Promise<unknown>, repeats: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!; // median
}

async function perturbedMaskingBatchedVsNaive(): Promise<Record<string, BenchResult>> {
  await initBackend({ override: 'wasm', gpu: null });
  const { id, session } = await firstBundledModel();
  try {
    const enc = session.tokenizer.encode(SENTENCE);
    const n = enc.ids.length - 2;
    if (n !== 24) throw new Error(`The benchmark sentence has ${n} tokens under this vocabulary, not 24.`);
    const spans = Array.from({ length: n }, (_, i) => [i + 1]);
    const layer = session.model.config.numLayers;
    const run = (batchSize?: number) => {
      const opts: SpanImpactOptions = { layer, metric: 'euclidean', batchSize };
      return spanImpacts(session, enc.ids, enc.typeIds, spans, opts, quietContext());
    };
    // Warm-up, and all three must agree before their times mean anything.
    const batched = await run();
    const single = await run(1);
    const naive = await naiveImpacts(session, enc.ids);
    let maxErr = 0;
    for (const other of [single.matrix, naive]) {
      batched.matrix.forEach((r, i) => r.forEach((v, j) => (maxErr = Math.max(maxErr, Math.abs(v - other[i]![j]!)))));
    }
    if (maxErr > 1e-4) throw new Error(`Batched and one-per-forward impact matrices differ by ${maxErr}.`);
    const oursMs = await timeMs(() => run(), 5);
    const singleMs = await timeMs(() => run(1), 3);
    const peerMs = await timeMs(() => naiveImpacts(session, enc.ids), 3);
    return {
      perturbed_masking_batched_vs_naive_n24: {
        ratio: peerMs / oursMs,
        ours_ms: oursMs,
        peer_ms: peerMs,
        ratio_same_copies: singleMs / oursMs,
        same_copies_one_per_forward_ms: singleMs,
        backend: 'wasm',
        model: id,
        copies: batched.copies,
        naive_forwards: n * n,
        batches: batched.batches,
        batch_size: batched.batchSize,
        max_abs_diff: maxErr,
        note: `${batched.copies} copies in ${batched.batches} batch(es) vs ${n * n} single forwards (batching alone: ${(singleMs / oursMs).toFixed(1)}x); wasm, ${id}`,
      },
    };
  } finally {
    session.model.dispose();
  }
}

registerBenchmarks([{ name: 'explain', run: perturbedMaskingBatchedVsNaive }]);
