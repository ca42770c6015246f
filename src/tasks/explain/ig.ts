// Integrated gradients (Sundararajan et al. 2017) over the word embeddings of a BERT.
//
//   IG_t = Σ_h (x − x′)[t, h] · ∫₀¹ ∂F(x′ + α(x − x′))/∂x[t, h] dα
//
// with the integral replaced by a weighted sum over α_k = k/m, k = 0..m (riemann_left uses
// k < m, riemann_right k > 0, both with weight 1/m; trapezoid all with the two ends halved).
// Completeness says Σ_t IG_t = F(x) − F(x′); the gap left by the quadrature is reported.
//
// All m + 1 points are evaluated (F at both ends is needed anyway), in batches sized to the
// device; each batch is one forward and one backward (tf.valueAndGrads on the active backend).
// Per point only the projection p_k[t] = Σ_h (x − x′)[t, h]·g_k[t, h] leaves the device, so
// every rule is a weighted sum of the same numbers.
import * as tf from '@tensorflow/tfjs';
import { TaskError } from '../../worker/protocol';
import { yieldAndCheck, type TaskContext } from '../context';
import type { Session } from '../session';
import { copiesPerBatch, gradientBytesPerPoint } from './batch-plan';
import { withoutSplitKMatMul } from '../../gpu/webgpu-matmul';
import { prepareTarget, type IgSequence, type IgTarget, type IgTargetParams, type PreparedTarget } from './ig-targets';

export type IgRule = 'riemann_left' | 'riemann_right' | 'trapezoid';
export type IgBaseline = 'zero' | 'pad' | 'mask';

export const IG_RULES: readonly IgRule[] = ['riemann_left', 'riemann_right', 'trapezoid'];
export const IG_BASELINES: readonly IgBaseline[] = ['zero', 'pad', 'mask'];
export const DEFAULT_STEPS = 50;
const MAX_STEPS = 1000;

export interface AttributeParams extends IgTargetParams {
  steps?: number;
  rule?: IgRule;
  /**
   * zero: x′ = 0 for every token. pad / mask: every token except [CLS], [SEP], [MASK] and [PAD]
   * becomes [PAD] / [MASK]; the kept special tokens then have x = x′ and attribution 0.
   */
  baseline?: IgBaseline;
  /** Interpolation points per batch; default from the activation budget of the backend. */
  batchSize?: number;
}

export interface AttributedSequence extends IgSequence {
  /** One value per token, in F's units; Σ over all sequences ≈ F(x) − F(x′). */
  attributions: number[];
}

export interface AttributeResult {
  target: IgTarget;
  targetLabel: string;
  targetId: number | null;
  maskPosition: number | null;
  steps: number;
  rule: IgRule;
  baseline: IgBaseline;
  sequences: AttributedSequence[];
  fX: number;
  fBaseline: number;
  sum: number;
  /** Σ attributions − (F(x) − F(x′)). */
  completenessGap: number;
  /** α_k = k/m and F there, k = 0..m. */
  alphas: number[];
  fAlongPath: number[];
  batchSize: number;
  batches: number;
}

/** Quadrature weights w_k for k = 0..m. */
export function ruleWeights(rule: IgRule, m: number): number[] {
  return Array.from({ length: m + 1 }, (_, k) => {
    if (rule === 'riemann_left') return k < m ? 1 / m : 0;
    if (rule === 'riemann_right') return k > 0 ? 1 / m : 0;
    return k === 0 || k === m ? 0.5 / m : 1 / m;
  });
}

/** Every point's F and gradient projections; any rule is a weighted sum of them. */
export interface IgPath {
  alphas: number[];
  fAtAlpha: number[]; // [m + 1]
  /** projections[s][k][t] = Σ_h (x − x′)[t, h] · ∂F/∂x[t, h] at α_k, sequence s. */
  projections: number[][][];
  batchSize: number;
  batches: number;
}

/** Σ_k w_k p_k[t] per sequence and token, in float64. */
export function combineRule(path: IgPath, rule: IgRule): number[][] {
  const w = ruleWeights(rule, path.alphas.length - 1);
  return path.projections.map((perPoint) => {
    const out = new Array<number>(perPoint[0]!.length).fill(0);
    perPoint.forEach((p, k) => p.forEach((v, t) => (out[t]! += w[k]! * v)));
    return out;
  });
}

function baselineIds(session: Session, seq: IgSequence, baseline: 'pad' | 'mask'): number[] {
  const t = session.tokenizer;
  const keep = new Set([t.clsId, t.sepId, t.maskId, t.padId]);
  const fill = baseline === 'pad' ? t.padId : t.maskId;
  return seq.ids.map((id) => (keep.has(id) ? id : fill));
}

/** x and x′ of one sequence, [L, H] each (kept: the caller disposes them). */
function endpoints(session: Session, seq: IgSequence, baseline: IgBaseline): { x: tf.Tensor2D; xBase: tf.Tensor2D } {
  const model = session.model;
  const l = seq.ids.length;
  return tf.tidy(() => {
    const word = (ids: number[]) => model.wordEmbeddings(tf.tensor2d([ids], [1, l], 'int32')).reshape([l, model.config.hiddenSize]) as tf.Tensor2D;
    const x = word(seq.ids);
    const xBase = baseline === 'zero' ? tf.zerosLike(x) : word(baselineIds(session, seq, baseline));
    return { x, xBase };
  });
}

/**
 * F and the gradient projections at α_k = k/m, k = 0..m, for a prepared target.
 * Batches of `batchSize` points; progress after each, cancellation checked between them.
 */
export async function integratePath(
  session: Session, target: PreparedTarget, steps: number, baseline: IgBaseline, ctx: TaskContext, batchSize?: number,
): Promise<IgPath> {
  const m = steps;
  const total = m + 1;
  const alphas = Array.from({ length: total }, (_, k) => k / m);
  const longest = Math.max(...target.sequences.map((s) => s.ids.length));
  const perBatch = batchSize ?? copiesPerBatch(total, target.sequences.length * gradientBytesPerPoint(session.model.config, longest));
  const ends = target.sequences.map((seq) => endpoints(session, seq, baseline));
  const fAtAlpha: number[] = [];
  const projections: number[][][] = target.sequences.map(() => []);
  const batches = Math.ceil(total / perBatch);
  try {
    for (let start = 0; start < total; start += perBatch) {
      const batchAlphas = alphas.slice(start, start + perBatch);
      const k = batchAlphas.length;
      const out = tf.tidy(() => {
        const a = tf.tensor1d(batchAlphas).reshape([k, 1, 1]); // [K, 1, 1]
        const deltas = ends.map(({ x, xBase }) => tf.sub(x, xBase)); // [L, H] each
        const points = ends.map(({ xBase }, s) => tf.add(xBase, tf.mul(a, deltas[s]!)) as tf.Tensor3D); // [K, L, H]
        const { value, grads } = withoutSplitKMatMul(() =>
          tf.valueAndGrads((...xs: tf.Tensor[]) => target.evaluate(xs as tf.Tensor3D[]))(points, tf.ones([k])),
        );
        // [K, L, H] · [L, H] summed over H → [K, L]
        const proj = grads.map((g, s) => tf.sum(tf.mul(g, deltas[s]!), 2));
        return { value, proj };
      });
      const [values, ...proj] = await Promise.all([out.value.data(), ...out.proj.map((p) => p.array() as Promise<number[][]>)]);
      tf.dispose([out.value, ...out.proj]);
      if (!Array.from(values).every(Number.isFinite)) {
        throw new TaskError('internal', 'The target became non-finite along the path (NaN or ±Infinity): the backend lost precision. Try the cpu or wasm backend.');
      }
      fAtAlpha.push(...values);
      proj.forEach((rows, s) => projections[s]!.push(...rows));
      ctx.progress(Math.min(start + k, total), total, 'points', 'integrated gradients');
      await yieldAndCheck(ctx.signal);
    }
  } finally {
    tf.dispose(ends.flatMap(({ x, xBase }) => [x, xBase]));
  }
  return { alphas, fAtAlpha, projections, batchSize: perBatch, batches };
}

function checkOptions(p: AttributeParams): { steps: number; rule: IgRule; baseline: IgBaseline } {
  const steps = p.steps ?? DEFAULT_STEPS;
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) throw new TaskError('bad-input', `Steps must be an integer from 1 to ${MAX_STEPS} (50 is usual).`);
  const rule = p.rule ?? 'trapezoid';
  if (!IG_RULES.includes(rule)) throw new TaskError('bad-input', `Unknown rule "${String(rule)}": use ${IG_RULES.join(', ')}.`);
  const baseline = p.baseline ?? 'zero';
  if (!IG_BASELINES.includes(baseline)) throw new TaskError('bad-input', `Unknown baseline "${String(baseline)}": use ${IG_BASELINES.join(', ')}.`);
  if (p.batchSize !== undefined && !(Number.isInteger(p.batchSize) && p.batchSize >= 1)) throw new TaskError('bad-input', 'batchSize must be a positive integer.');
  return { steps, rule, baseline };
}

/** The `attribute` task: per-token integrated-gradients attributions of one target. */
export async function attribute(session: Session, params: AttributeParams, ctx: TaskContext): Promise<AttributeResult> {
  const { steps, rule, baseline } = checkOptions(params);
  const target = prepareTarget(session, params);
  const path = await integratePath(session, target, steps, baseline, ctx, params.batchSize);
  const attributions = combineRule(path, rule);
  const fX = path.fAtAlpha[steps]!;
  const fBaseline = path.fAtAlpha[0]!;
  const sum = attributions.flat().reduce((a, b) => a + b, 0);
  return {
    target: target.kind,
    targetLabel: target.label,
    targetId: target.targetId,
    maskPosition: target.maskPosition,
    steps,
    rule,
    baseline,
    sequences: target.sequences.map((seq, s) => ({ ...seq, attributions: attributions[s]! })),
    fX,
    fBaseline,
    sum,
    completenessGap: sum - (fX - fBaseline),
    alphas: path.alphas,
    fAlongPath: path.fAtAlpha,
    batchSize: path.batchSize,
    batches: path.batches,
  };
}
