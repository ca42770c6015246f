// Shape and option checks shared by the WebGPU kernels and the tfjs-ops implementations.
import type * as tf from '@tensorflow/tfjs';
import { KernelInputError } from './errors';
import type { AttentionMode } from './linear-attention-programs';
import type { DistanceMetric } from './pair-programs';

const MODES: readonly AttentionMode[] = ['bidirectional', 'causal', 'unilm'];
const METRICS: readonly DistanceMetric[] = ['euclidean', 'cosine'];

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

function expectRank(op: string, name: string, t: tf.Tensor | undefined, rank: number, layout: string): void {
  if (!t) throw new KernelInputError(`${op}: ${name} is missing; expected ${layout}.`);
  if (t.rank !== rank) throw new KernelInputError(`${op}: ${name} must be ${layout}, got shape ${shapeText(t)}.`);
  if (t.dtype !== 'float32') throw new KernelInputError(`${op}: ${name} must be float32, got ${t.dtype}; cast it first.`);
}

function expectShape(op: string, name: string, t: tf.Tensor, want: number[], layout: string): void {
  if (t.rank !== want.length || t.shape.some((s, i) => s !== want[i])) {
    throw new KernelInputError(`${op}: ${name} must be ${layout} = [${want.join(', ')}], got ${shapeText(t)}.`);
  }
}

export interface AttentionDims {
  batch: number;
  heads: number;
  n: number;
  d: number;
}

export function checkLinearAttention(
  q: tf.Tensor, k: tf.Tensor, v: tf.Tensor,
  opts: { mode: AttentionMode; keyMask?: tf.Tensor; typeIds?: tf.Tensor; eps?: number },
): AttentionDims {
  const op = 'linearAttention';
  if (!MODES.includes(opts.mode)) {
    throw new KernelInputError(`${op}: mode must be one of ${MODES.join(', ')}, got ${String(opts.mode)}.`);
  }
  expectRank(op, 'q', q, 4, '[batch, heads, seq, headDim]');
  const [batch, heads, n, d] = q.shape as [number, number, number, number];
  expectShape(op, 'k', k, q.shape, 'the shape of q');
  expectShape(op, 'v', v, q.shape, 'the shape of q');
  if (k.dtype !== 'float32' || v.dtype !== 'float32') throw new KernelInputError(`${op}: k and v must be float32.`);
  if (opts.keyMask) expectShape(op, 'keyMask', opts.keyMask, [batch, n], '[batch, seq]');
  if (opts.mode === 'unilm' && !opts.typeIds) {
    throw new KernelInputError(`${op}: unilm mode needs typeIds [batch, seq] (0 source, 1 target).`);
  }
  if (opts.typeIds) expectShape(op, 'typeIds', opts.typeIds, [batch, n], '[batch, seq]');
  if (opts.eps !== undefined && !(opts.eps >= 0 && Number.isFinite(opts.eps))) {
    throw new KernelInputError(`${op}: eps must be a finite number >= 0, got ${opts.eps}.`);
  }
  if (d < 1 || n < 1) throw new KernelInputError(`${op}: seq and headDim must be at least 1, got ${shapeText(q)}.`);
  return { batch, heads, n, d };
}

export function checkLinearAttentionStep(
  state: { S: tf.Tensor; z: tf.Tensor }, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor,
): AttentionDims & { dv: number } {
  const op = 'linearAttentionStep';
  expectRank(op, 'state.S', state.S, 4, '[batch, heads, headDim, valueDim]');
  const [batch, heads, d, dv] = state.S.shape as [number, number, number, number];
  expectRank(op, 'state.z', state.z, 3, '[batch, heads, headDim]');
  expectShape(op, 'state.z', state.z, [batch, heads, d], '[batch, heads, headDim]');
  expectRank(op, 'q', q, 3, '[batch, heads, headDim]');
  expectShape(op, 'q', q, [batch, heads, d], '[batch, heads, headDim]');
  expectRank(op, 'k', k, 3, '[batch, heads, headDim]');
  expectShape(op, 'k', k, [batch, heads, d], '[batch, heads, headDim]');
  expectRank(op, 'v', v, 3, '[batch, heads, valueDim]');
  expectShape(op, 'v', v, [batch, heads, dv], '[batch, heads, valueDim]');
  return { batch, heads, n: 1, d, dv };
}

export interface PointerDims {
  batch: number;
  /** Heads of q and k: 1 (shared, Efficient GlobalPointer) or `heads`. */
  qHeads: number;
  /** Heads of the output. */
  heads: number;
  n: number;
  d: number;
}

export function checkGlobalPointer(
  q: tf.Tensor, k: tf.Tensor, mask: tf.Tensor,
  opts: { biasStart?: tf.Tensor; biasEnd?: tf.Tensor },
): PointerDims {
  const op = 'globalPointerScores';
  expectRank(op, 'q', q, 4, '[batch, heads, seq, headDim]');
  const [batch, qHeads, n, d] = q.shape as [number, number, number, number];
  expectShape(op, 'k', k, q.shape, 'the shape of q');
  if (k.dtype !== 'float32') throw new KernelInputError(`${op}: k must be float32.`);
  if (!mask) throw new KernelInputError(`${op}: mask [batch, seq] is missing.`);
  expectShape(op, 'mask', mask, [batch, n], '[batch, seq]');
  if (d % 2 !== 0) throw new KernelInputError(`${op}: RoPE rotates pairs, so headDim must be even; got ${d}.`);
  if (n < 1 || d < 2) throw new KernelInputError(`${op}: seq must be >= 1 and headDim >= 2, got ${shapeText(q)}.`);
  let heads = qHeads;
  for (const [name, bias] of [['biasStart', opts.biasStart], ['biasEnd', opts.biasEnd]] as const) {
    if (!bias) continue;
    expectRank(op, name, bias, 3, '[batch, heads, seq]');
    if (bias.shape[0] !== batch || bias.shape[2] !== n) {
      throw new KernelInputError(`${op}: ${name} must be [${batch}, heads, ${n}], got ${shapeText(bias)}.`);
    }
    heads = Math.max(heads, bias.shape[1] as number);
  }
  for (const [name, bias] of [['biasStart', opts.biasStart], ['biasEnd', opts.biasEnd]] as const) {
    if (bias && bias.shape[1] !== heads) {
      throw new KernelInputError(`${op}: ${name} has ${bias.shape[1]} heads but the output has ${heads}.`);
    }
  }
  if (qHeads !== 1 && qHeads !== heads) {
    throw new KernelInputError(`${op}: q and k need 1 head (shared) or ${heads} heads, got ${qHeads}.`);
  }
  return { batch, qHeads, heads, n, d };
}

export interface DistanceDims {
  batch: number;
  n: number;
  m: number;
  h: number;
}

export function checkPairDistance(a: tf.Tensor, b: tf.Tensor, metric: DistanceMetric): DistanceDims {
  const op = 'pairDistance';
  if (!METRICS.includes(metric)) {
    throw new KernelInputError(`${op}: metric must be one of ${METRICS.join(', ')}, got ${String(metric)}.`);
  }
  expectRank(op, 'a', a, 3, '[batch, n, hidden]');
  expectRank(op, 'b', b, 3, '[batch, m, hidden]');
  const [batch, n, h] = a.shape as [number, number, number];
  if (b.shape[0] !== batch || b.shape[2] !== h) {
    throw new KernelInputError(`${op}: b must be [${batch}, m, ${h}] to match a ${shapeText(a)}, got ${shapeText(b)}.`);
  }
  const m = b.shape[1] as number;
  if (n < 1 || m < 1 || h < 1) throw new KernelInputError(`${op}: empty input ${shapeText(a)} / ${shapeText(b)}.`);
  return { batch, n, m, h };
}
