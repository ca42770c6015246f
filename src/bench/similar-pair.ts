// End-to-end workload: similar questions (SimBERT recipe, 50 candidates, ranked).
//
// Ours is the app's task (`similarQuestions`: UniLM sampling with a key/value cache, then
// sentence vectors). The ONNX export has no key/value inputs, so the peer can only run the
// recipe the bert4keras way: the whole `[CLS] question [SEP] output…` sequence every step under
// the UniLM mask, through a graph derived from the export (./onnx-derive: [B, L, L] mask,
// last-position logits, last hidden state). The sentence-vector head (BERT's pooler, and
// SimBERT's linear pool when the weights have one) is not in the export: the peer applies it in
// plain JS. Our engine also runs that same no-cache recipe (`recomputePredict`), so both an
// end-to-end and a same-algorithm ratio come out.
// Both sides use our tokenizer, sampler and ranking code; only the network differs.
import type * as Ort from 'onnxruntime-web';
import { unilmMask } from '../model/masks';
import { toFloat32 } from '../model/weights/types';
import { quietContext, yieldAndCheck } from '../tasks/context';
import { createRng, randomSample, type PredictFn } from '../tasks/decoding/decoder';
import { decodeOutput } from '../tasks/generate/common';
import { cosine, encodeSentence, LINEAR_POOL_NAMES, SentenceEncoder, type Pooling } from '../tasks/generate/sentence-embed';
import { SIMILAR_DEFAULTS, similarQuestions } from '../tasks/generate/similar';
import { recomputePredict, type UniLMSource } from '../tasks/generate/unilm';
import { maxAbsDiff, median } from './inputs';
import { deriveBertGraph } from './onnx-derive';
import type { OrtPeer } from './ort-peer';
import type { OurEngine } from './our-engine';
import { LOGIT_TOLERANCE, type SimilarReport } from './protocol';

export const SIMILAR_QUESTION = '今天北京的天气怎么样，适合出去玩吗';
const SEED = 20240601;

interface RecipeSide {
  predict: PredictFn<unknown, UniLMSource>;
  /** Unit sentence vectors for `[CLS] … [SEP]` id rows of any lengths. */
  embed(rows: number[][]): Promise<Float32Array[]>;
}

const key = (text: string) => text.replace(/\s+/g, '').toLowerCase();

/** similarQuestions' steps with default parameters, on any network: the ranked texts. */
async function similarRecipe(engine: OurEngine, side: RecipeSide): Promise<string[]> {
  const { n, topK, maxLength, k, batchSize } = SIMILAR_DEFAULTS;
  const session = engine.session;
  const tok = session.tokenizer;
  const signal = new AbortController().signal;
  const source = encodeSentence(session, SIMILAR_QUESTION, Math.max(maxLength, 3));
  const samples = await randomSample(
    async (inputs: UniLMSource, outputIds, state) => {
      await yieldAndCheck(signal);
      return side.predict(inputs, outputIds, state);
    },
    source,
    { n, endId: tok.sepId, maxLength, rng: createRng(SEED), topK, consistent: true },
  );
  const inputKeys = new Set([key(SIMILAR_QUESTION), key(decodeOutput(tok, source.ids.slice(1, -1)))]);
  const byKey = new Map<string, { text: string; ids: number[] }>();
  for (const s of samples) {
    const text = decodeOutput(tok, s.ids);
    if (!text || inputKeys.has(key(text)) || byKey.has(key(text))) continue;
    byKey.set(key(text), { text, ids: s.ids.filter((id) => id !== tok.sepId) });
  }
  const distinct = [...byKey.values()];
  const rows = [source.ids, ...distinct.map((c) => [tok.clsId, ...c.ids.slice(0, Math.max(maxLength, 3) - 2), tok.sepId])];
  const vectors: Float32Array[] = [];
  for (let i = 0; i < rows.length; i += batchSize) vectors.push(...(await side.embed(rows.slice(i, i + batchSize))));
  return distinct
    .map((c, i) => ({ text: c.text, score: cosine(vectors[i + 1]!, vectors[0]!), order: i }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, k)
    .map((c) => c.text);
}

/** y = W·x + b for a PyTorch Linear layout W [out, in]. */
function dense(w: Float32Array, b: Float32Array, x: Float32Array): Float32Array {
  const out = new Float32Array(b.length);
  for (let o = 0; o < b.length; o++) {
    let sum = b[o]!;
    for (let i = 0; i < x.length; i++) sum += w[o * x.length + i]! * x[i]!;
    out[o] = sum;
  }
  return out;
}

/**
 * The sentence-vector head the task uses (not in the export), in plain JS on the [CLS] state
 * [H]: BERT's pooler tanh(W_p·h + b_p) for 'pooler', then SimBERT's linear pool for
 * 'linear-pool', or the raw state for 'cls'; unit length.
 */
function poolInJs(engine: OurEngine, pooling: Pooling): (cls: Float32Array) => Float32Array {
  const tensors = engine.session.files.tensors;
  const read = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`The model has no ${name}: the peer cannot compute "${pooling}" sentence vectors.`);
    return toFloat32(t);
  };
  const layers: [Float32Array, Float32Array, boolean][] = []; // [weight, bias, tanh after]
  if (pooling === 'pooler' || pooling === 'linear-pool') layers.push([read('bert.pooler.dense.weight'), read('bert.pooler.dense.bias'), true]);
  if (pooling === 'linear-pool') {
    const names = LINEAR_POOL_NAMES.find(([w, b]) => tensors.has(w) && tensors.has(b))!;
    layers.push([read(names[0]), read(names[1]), false]);
  }
  if (pooling === 'pooler-linear') layers.push([read('bert.pooler.dense.weight'), read('bert.pooler.dense.bias'), false]);
  return (cls) => {
    let v = cls;
    for (const [w, b, tanh] of layers) {
      v = dense(w, b, v);
      if (tanh) v = v.map(Math.tanh);
    }
    const norm = Math.max(Math.hypot(...v), 1e-12);
    return v.map((x) => x / norm);
  };
}

/** The peer's network: the derived ONNX graph on ORT, plus the sentence-vector head in plain JS. */
async function ortSide(engine: OurEngine, peer: OrtPeer, pooling: Pooling): Promise<{ side: RecipeSide; session: Ort.InferenceSession }> {
  const session = await peer.openSession(deriveBertGraph(peer.model, { queryKeyMask: true, logits: 'last-position', hidden: true }));
  const { vocabSize: v, hiddenSize: h } = engine.session.model.config;
  const pool = poolInJs(engine, pooling);

  const run = async (ids: number[][], types: number[][], mask: number[][][]) => {
    const [rows, l] = [ids.length, ids[0]!.length];
    const out = await session.run({
      input_ids: peer.int64(ids.flat(), [rows, l]),
      attention_mask: peer.int64(mask.flat(2), [rows, l, l]),
      token_type_ids: peer.int64(types.flat(), [rows, l]),
    });
    const logits = (await out.logits!.getData()) as Float32Array; // [R, V]
    const hidden = (await out.last_hidden!.getData()) as Float32Array; // [R, L, H]
    for (const t of Object.values(out)) t.dispose();
    return { logits, hidden, l };
  };

  const side: RecipeSide = {
    async predict(source, outputIds) {
      const ids = outputIds.map((out) => [...source.ids, ...out]);
      const types = outputIds.map((out) => [...source.ids.map(() => 0), ...out.map(() => 1)]);
      const { logits } = await run(ids, types, unilmMask(types));
      return { logProbs: outputIds.map((_, r) => logits.subarray(r * v, (r + 1) * v)), state: null };
    },
    async embed(rowsIn) {
      const l = Math.max(...rowsIn.map((r) => r.length));
      const ids = rowsIn.map((r) => [...r, ...new Array<number>(l - r.length).fill(engine.session.tokenizer.padId)]);
      const pad = rowsIn.map((r) => [...r.map(() => 1), ...new Array<number>(l - r.length).fill(0)]);
      const { hidden } = await run(ids, ids.map((r) => r.map(() => 0)), pad.map((row) => row.map(() => row)));
      return rowsIn.map((_, r) => pool(hidden.subarray(r * l * h, r * l * h + h))); // [CLS] state [H] at position 0
    },
  };
  return { side, session };
}

/** The two networks on the same step inputs and sentences, before any timing: max |Δ|. */
async function checkSides(engine: OurEngine, ours: RecipeSide, peer: RecipeSide): Promise<{ logits: number; vectors: number }> {
  const session = engine.session;
  const source = encodeSentence(session, SIMILAR_QUESTION, SIMILAR_DEFAULTS.maxLength);
  const tok = session.tokenizer;
  const words = (text: string) => tok.encode(text).ids.slice(1, -1); // without [CLS] and [SEP]
  // Partial outputs of one decoding step (one ending in [SEP]), and whole sentences to embed.
  const outputs = [words('我的天气'), [...words('北京是'), tok.sepId], words('去玩吗？')];
  const a = await ours.predict(source, outputs, null);
  const b = await peer.predict(source, outputs, null);
  const rows = [source.ids, tok.encode('我的天气').ids, tok.encode('北京').ids];
  const va = await ours.embed(rows);
  const vb = await peer.embed(rows);
  const worst = (x: Float32Array[], y: Float32Array[]) => Math.max(...x.map((row, i) => maxAbsDiff(row, y[i]!)));
  return { logits: worst(a.logProbs, b.logProbs), vectors: worst(va, vb) };
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

/** One warm-up and `reps` timed runs of each: ours (task), ours without cache, and the peer. */
export async function timeSimilarPair(engine: OurEngine, peer: OrtPeer, reps: number, peerFirst: boolean, log: (line: string) => void): Promise<SimilarReport> {
  const encoder = new SentenceEncoder(engine.session, 'auto');
  let peerSession: { side: RecipeSide; session: Ort.InferenceSession };
  try {
    peerSession = await ortSide(engine, peer, encoder.pooling);
  } catch (e) {
    encoder.dispose();
    throw e;
  }
  const { side: peerSide, session } = peerSession;
  const recompute: RecipeSide = { predict: recomputePredict(engine.session.model) as PredictFn<unknown, UniLMSource>, embed: (rows) => encoder.embed(rows) };
  const runOurs = async () => {
    const r = await similarQuestions(engine.session, { text: SIMILAR_QUESTION, seed: SEED, n: SIMILAR_DEFAULTS.n }, quietContext());
    return r.results.map((c) => c.text);
  };
  const out: SimilarReport = {
    sameRanking: false, recomputeSameRanking: false, sharedTop: 0, oursTop: [], peerTop: [], oursRecomputeTop: [], candidates: SIMILAR_DEFAULTS.n, ours: [], peer: [], oursRecompute: [],
    maxLogitDiff: NaN, maxVectorDiff: NaN,
  };
  try {
    const diff = await checkSides(engine, recompute, peerSide);
    out.maxLogitDiff = diff.logits;
    out.maxVectorDiff = diff.vectors;
    log(`similar check: max |Δ| next-token logits ${diff.logits.toExponential(2)}, sentence vectors ${diff.vectors.toExponential(2)}`);
    if (!(diff.logits <= LOGIT_TOLERANCE && diff.vectors <= LOGIT_TOLERANCE)) {
      throw new Error(`The similar-questions networks disagree (logits ${diff.logits}, vectors ${diff.vectors} > ${LOGIT_TOLERANCE}); timing is refused.`);
    }
    const sides = [
      async (warm: boolean) => {
        const [ms, top] = await timed(() => similarRecipe(engine, peerSide));
        if (warm) out.peerTop = top;
        else out.peer.push(ms);
      },
      async (warm: boolean) => {
        const [ms, top] = await timed(runOurs);
        if (warm) out.oursTop = top;
        else out.ours.push(ms);
        const [msR, topR] = await timed(() => similarRecipe(engine, recompute));
        if (warm) out.oursRecomputeTop = topR;
        else out.oursRecompute.push(msR);
      },
    ];
    if (!peerFirst) sides.reverse();
    for (const run of sides) {
      await run(true);
      for (let i = 0; i < reps; i++) await run(false);
    }
  } finally {
    encoder.dispose();
    await session.release();
  }
  out.sameRanking = out.oursTop.length > 0 && JSON.stringify(out.oursTop) === JSON.stringify(out.peerTop);
  out.recomputeSameRanking = out.oursRecomputeTop.length > 0 && JSON.stringify(out.oursRecomputeTop) === JSON.stringify(out.peerTop);
  out.sharedTop = out.oursTop.filter((t) => out.peerTop.includes(t)).length;
  log(`similar ×${out.candidates}: ours ${median(out.ours).toFixed(0)} ms, ours without cache ${median(out.oursRecompute).toFixed(0)} ms, peer ${median(out.peer).toFixed(0)} ms; same ranking: task ${out.sameRanking} (${out.sharedTop} of ${out.peerTop.length} shared), no-cache recipe ${out.recomputeSameRanking}`);
  return out;
}
