// End-to-end workload: Perturbed Masking of a 24-token sentence (the token impact matrix).
//
// Ours is the app's task (`impactMatrix`, without the word-level tree): n single-masked and
// n(n − 1)/2 pair-masked copies through every encoder layer, distances between hidden vectors.
// The export only outputs logits, so the peer runs a graph derived from it with the MLM head
// removed and the last hidden state as its output (./onnx-derive), on the same copies in the
// same batches; its distances are computed in plain JS (576 pairs of 64-wide vectors: noise
// next to the forwards).
import type * as Ort from 'onnxruntime-web';
import { quietContext } from '../tasks/context';
import { impactMatrix, type ImpactMatrixResult } from '../tasks/explain/impact-matrix';
import { median } from './inputs';
import { deriveBertGraph } from './onnx-derive';
import type { OrtPeer } from './ort-peer';
import type { OurEngine } from './our-engine';
import { LOGIT_TOLERANCE, type PerturbedReport } from './protocol';

/** 24 characters, one token each in the bert-base-chinese and the playground vocabularies. */
export const PERTURBED_SENTENCE = '我们今天下午在公园里看到了很多可爱的小动物和花朵';
const TOKENS = 24;

interface PeerMatrix {
  matrix: number[][];
}

/** The same masked copies as the task, in its order ({r}, then {r, c} for c > r), batched as it did. */
async function peerImpacts(session: Ort.InferenceSession, peer: OrtPeer, ids: number[], typeIds: number[], maskId: number, batchSize: number): Promise<PeerMatrix> {
  const n = ids.length - 2;
  const l = ids.length;
  const copies: number[][] = [];
  for (let r = 0; r < n; r++) {
    copies.push([r]);
    for (let c = r + 1; c < n; c++) copies.push([r, c]);
  }
  // vec.get(r * n + c): token r's last-layer vector in the copy masking {r, c} ({r} when c = r).
  const vec = new Map<number, Float32Array>();
  for (let start = 0; start < copies.length; start += batchSize) {
    const batch = copies.slice(start, start + batchSize);
    const s = batch.length;
    const rows = batch.map((masked) => ids.map((id, p) => (masked.includes(p - 1) ? maskId : id)));
    const out = await session.run({
      input_ids: peer.int64(rows.flat(), [s, l]),
      attention_mask: peer.int64(new Array<number>(s * l).fill(1), [s, l]),
      token_type_ids: peer.int64(batch.flatMap(() => typeIds), [s, l]),
    });
    const hidden = (await out.last_hidden!.getData()) as Float32Array; // [S, L, H]
    out.last_hidden!.dispose();
    const h = hidden.length / (s * l);
    batch.forEach((masked, q) => {
      masked.forEach((r, side) => {
        const c = masked.length === 1 ? r : masked[1 - side]!;
        const at = (q * l + r + 1) * h; // position r + 1: after [CLS]
        vec.set(r * n + c, hidden.slice(at, at + h));
      });
    });
  }
  const matrix = Array.from({ length: n }, (_, r) =>
    Array.from({ length: n }, (_, c) => {
      if (r === c) return 0;
      const a = vec.get(r * n + r)!;
      const b = vec.get(r * n + c)!;
      let sum = 0;
      for (let k = 0; k < a.length; k++) sum += (a[k]! - b[k]!) ** 2;
      return Math.sqrt(sum);
    }),
  );
  return { matrix };
}

function matrixDiff(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, r) =>
    row.forEach((v, c) => {
      const d = Math.abs(v - (b[r]?.[c] ?? NaN));
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    }),
  );
  return worst;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

/** Our side: the app's task on the benchmark sentence, token level only, last layer. */
export function runOursPerturbed(engine: OurEngine): Promise<ImpactMatrixResult> {
  const s = engine.session;
  return impactMatrix(s, { text: PERTURBED_SENTENCE, tree: false, layer: s.model.config.numLayers, metric: 'euclidean' }, quietContext());
}

/** Checks that both matrices agree, then a warm-up and `reps` timed runs of each side. */
export async function timePerturbedPair(engine: OurEngine, peer: OrtPeer, reps: number, peerFirst: boolean, log: (line: string) => void): Promise<PerturbedReport> {
  const s = engine.session;
  const enc = s.tokenizer.encode(PERTURBED_SENTENCE);
  if (enc.ids.length !== TOKENS + 2) throw new Error(`The benchmark sentence has ${enc.ids.length - 2} tokens, expected ${TOKENS}: this vocabulary splits it differently; pick a sentence of one token per character.`);
  const runOurs = () => runOursPerturbed(engine);
  const first = await runOurs();
  const session = await peer.openSession(deriveBertGraph(peer.model, { queryKeyMask: false, logits: 'none', hidden: true }));
  const runPeer = () => peerImpacts(session, peer, enc.ids, enc.typeIds, s.tokenizer.maskId, first.batchSize);
  try {
    const diff = matrixDiff(first.matrix, (await runPeer()).matrix);
    const report: PerturbedReport = { tokens: TOKENS, copies: first.copies, batches: first.batches, batchSize: first.batchSize, maxAbsDiff: diff, ours: [], peer: [] };
    log(`perturbed masking check: ${first.copies} copies in ${first.batches} batch(es) of ≤ ${first.batchSize}; max |Δ impact| ${diff.toExponential(2)}`);
    if (!(diff <= LOGIT_TOLERANCE)) throw new Error(`The impact matrices differ by ${diff} (> ${LOGIT_TOLERANCE}); timing is refused.`);
    const sides = [
      async () => report.peer.push((await timed(runPeer))[0]),
      async () => report.ours.push((await timed(runOurs))[0]),
    ];
    if (!peerFirst) sides.reverse();
    for (const side of sides) for (let i = 0; i < reps; i++) await side();
    if (reps > 0) log(`perturbed masking: ours ${median(report.ours).toFixed(0)} ms, peer ${median(report.peer).toFixed(0)} ms`);
    return report;
  } finally {
    await session.release();
  }
}
