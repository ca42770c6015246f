// Test support for the span tasks: the fixture model with a seeded random span head added, and
// an independent float64 reference of the whole head (dense → RoPE → scores → threshold) that
// starts from the encoder's last hidden state.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { loadModelFiles } from '../../model/load';
import { toFloat32, type RawTensor } from '../../model/weights/types';
import { createRng } from '../decoding/rng';
import { fixtureFiles, rawFloat32 } from '../generate/fixture-session.testutil';
import { createSession, type Session } from '../session';
import type { SpanResult } from './spans';

export const FIXTURE_HIDDEN = 64;

export interface HeadSpec {
  kind: 'efficient_global_pointer' | 'global_pointer';
  types: number;
  headSize: number;
  seed: number;
}

/** Uniform values with standard deviation `std`, from a seeded stream. */
function seededValues(n: number, seed: number, std: number): Float32Array {
  const rng = createRng(seed);
  const a = std * Math.sqrt(3);
  return Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * a);
}

/** span_head.* tensors of the given layout, seeded. Scores come out with a spread of a few units. */
export function randomSpanHead(spec: HeadSpec, hidden = FIXTURE_HIDDEN): RawTensor[] {
  const { kind, types, headSize: d, seed } = spec;
  const qkOut = kind === 'efficient_global_pointer' ? 2 * d : types * 2 * d;
  const out = [
    rawFloat32('span_head.dense.weight', [qkOut, hidden], seededValues(qkOut * hidden, seed, 0.15)),
    rawFloat32('span_head.dense.bias', [qkOut], seededValues(qkOut, seed + 1, 0.3)),
  ];
  if (kind === 'efficient_global_pointer') {
    out.push(
      rawFloat32('span_head.bias_dense.weight', [2 * types, hidden], seededValues(2 * types * hidden, seed + 2, 0.2)),
      rawFloat32('span_head.bias_dense.bias', [2 * types], seededValues(2 * types, seed + 3, 0.5)),
    );
  }
  return out;
}

/** The fixture on the active backend with extra tensors and config keys. Caller disposes `model`. */
export async function fixtureWith(extra: RawTensor[], configPatch: Record<string, unknown> = {}): Promise<Session> {
  const files = await loadModelFiles(fixtureFiles());
  for (const t of extra) files.tensors.set(t.name, t);
  Object.assign(files.rawConfig, configPatch);
  return createSession('tiny-fixture+span-head', files);
}

export interface RefSpan {
  type: number;
  i: number;
  j: number;
  score: number;
}

/** Interleaved-pair RoPE in float64: pair (x₂ₚ, x₂ₚ₊₁) at position `pos` turns by pos·10000^(−2p/d). */
function rope(x: Float64Array, pos: number): Float64Array {
  const d = x.length;
  const out = new Float64Array(d);
  for (let p = 0; p < d / 2; p++) {
    const angle = pos * Math.pow(10000, (-2 * p) / d);
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    out[2 * p] = x[2 * p]! * c - x[2 * p + 1]! * s;
    out[2 * p + 1] = x[2 * p + 1]! * c + x[2 * p]! * s;
  }
  return out;
}

/** y = W·x + b in float64 for W [out, in] stored row-major. */
function linear(w: Float32Array, b: Float32Array, x: Float64Array): Float64Array {
  const out = b.length;
  const inp = x.length;
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b[o]!;
    for (let h = 0; h < inp; h++) s += w[o * inp + h]! * x[h]!;
    y[o] = s;
  }
  return y;
}

/**
 * Every (type, i ≤ j) score of the span head over the text tokens of `ids` (positions 1..L−2,
 * i.e. without [CLS]/[SEP]), computed in float64 from the last hidden state.
 */
export async function referenceScores(session: Session, spec: HeadSpec, ids: number[]): Promise<RefSpan[]> {
  const l = ids.length;
  const hiddenT = tf.tidy(() => session.model.forward({ inputIds: tf.tensor2d([ids], [1, l], 'int32') }).lastHidden);
  const hidden = await hiddenT.data();
  hiddenT.dispose();
  const h = hidden.length / l;
  const get = (name: string) => toFloat32(session.files.tensors.get(name)!);
  const w = get('span_head.dense.weight');
  const b = get('span_head.dense.bias');
  const d = spec.headSize;
  const qkHeads = spec.kind === 'efficient_global_pointer' ? 1 : spec.types;
  // q[head][pos], k[head][pos] after RoPE; bias[pos] = bias_dense output / 2 (efficient only)
  const q: Float64Array[][] = Array.from({ length: qkHeads }, () => []);
  const k: Float64Array[][] = Array.from({ length: qkHeads }, () => []);
  const bias: Float64Array[] = [];
  for (let pos = 0; pos < l; pos++) {
    const x = Float64Array.from(hidden.subarray(pos * h, (pos + 1) * h));
    const y = linear(w, b, x);
    for (let t = 0; t < qkHeads; t++) {
      if (spec.kind === 'efficient_global_pointer') {
        q[t]!.push(rope(Float64Array.from({ length: d }, (_, m) => y[2 * m]!), pos));
        k[t]!.push(rope(Float64Array.from({ length: d }, (_, m) => y[2 * m + 1]!), pos));
      } else {
        q[t]!.push(rope(y.slice(t * 2 * d, t * 2 * d + d), pos));
        k[t]!.push(rope(y.slice(t * 2 * d + d, (t + 1) * 2 * d), pos));
      }
    }
    if (spec.kind === 'efficient_global_pointer') bias.push(linear(get('span_head.bias_dense.weight'), get('span_head.bias_dense.bias'), x).map((v) => v / 2));
  }
  const out: RefSpan[] = [];
  for (let t = 0; t < spec.types; t++) {
    const qh = spec.kind === 'efficient_global_pointer' ? 0 : t;
    for (let i = 1; i < l - 1; i++) {
      for (let j = i; j < l - 1; j++) {
        let s = 0;
        for (let m = 0; m < d; m++) s += q[qh]![i]![m]! * k[qh]![j]![m]!;
        s /= Math.sqrt(d);
        if (spec.kind === 'efficient_global_pointer') s += bias[i]![2 * t]! + bias[j]![2 * t + 1]!;
        out.push({ type: t, i, j, score: s });
      }
    }
  }
  return out;
}

const key = (s: { type: number; i: number; j: number }) => `${s.type}:${s.i}-${s.j}`;

/**
 * The task's spans equal the reference's spans above `threshold` (same set, scores within
 * `tol`), and no reference score lies so close to the threshold that float32 could flip it.
 */
export function expectSameSpans(result: SpanResult, reference: RefSpan[], threshold: number, tol = 1e-4): void {
  const closest = Math.min(...reference.map((r) => Math.abs(r.score - threshold)));
  expect(closest, 'a reference score sits on the threshold; pick another seed').toBeGreaterThan(tol);
  const want = new Map(reference.filter((r) => r.score > threshold).map((r) => [key(r), r.score]));
  const got = new Map(result.spans.map((s) => [key({ type: s.type, i: s.startToken, j: s.endToken }), s.score]));
  expect(want.size).toBeGreaterThan(0);
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  let maxErr = 0;
  for (const [k, s] of want) maxErr = Math.max(maxErr, Math.abs(got.get(k)! - s));
  expect(maxErr).toBeLessThan(tol);
  for (const s of result.spans) {
    expect(s.start).toBe(result.offsets[s.startToken]![0]);
    expect(s.end).toBe(result.offsets[s.endToken]![1]);
    expect(s.text).toBe(result.text.slice(s.start, s.end));
  }
}
