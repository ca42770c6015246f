// Logits processors: one small pure function per transform of a next-token score row.
//
// A row is a Float32Array of length V holding logits or log-probabilities (any additive
// constant is fine: every consumer renormalises). A banned token gets -Infinity. Processors
// never mutate their input; each returns a new row (or the input itself when it is a no-op),
// so they chain freely: repetition → no-repeat-ngram → min-length → temperature → top-k → top-p.
import { TaskError } from '../../worker/protocol';
import { topIndices } from './select';

export type LogitsProcessor = (scores: Float32Array) => Float32Array;

/** Applies processors left to right. */
export function chain(...processors: LogitsProcessor[]): LogitsProcessor {
  return (scores) => processors.reduce((row, p) => p(row), scores);
}

/** Divides every score by t: t > 1 flattens the distribution (more entropy), t < 1 sharpens it. */
export function temperature(t: number): LogitsProcessor {
  if (!(t > 0) || !Number.isFinite(t)) {
    throw new TaskError('bad-input', `Temperature must be a positive number (got ${t}). Use 1 to sample from the model's own distribution, lower to be more conservative.`);
  }
  if (t === 1) return (s) => s;
  return (s) => s.map((v) => v / t);
}

/**
 * CTRL-style repetition penalty (Keskar et al. 2019): for every token already generated, a
 * positive logit is divided by `penalty` and a negative one multiplied by it, so with
 * penalty > 1 the token becomes less likely either way. Each distinct token is penalised once.
 */
export function repetitionPenalty(penalty: number, previousIds: readonly number[]): LogitsProcessor {
  if (!(penalty > 0) || !Number.isFinite(penalty)) {
    throw new TaskError('bad-input', `The repetition penalty must be a positive number (got ${penalty}); 1 means no penalty, 1.2 is a usual value.`);
  }
  if (penalty === 1 || previousIds.length === 0) return (s) => s;
  const distinct = [...new Set(previousIds)];
  return (s) => {
    const out = s.slice();
    for (const id of distinct) {
      if (id < 0 || id >= out.length) continue;
      const v = out[id]!;
      out[id] = v > 0 ? v / penalty : v * penalty;
    }
    return out;
  };
}

/**
 * Tokens that would complete an n-gram already present in `previousIds`: for each earlier
 * occurrence of the last n−1 tokens, the token that followed it. n = 1 bans every token used.
 */
export function bannedNgramTokens(n: number, previousIds: readonly number[]): Set<number> {
  const banned = new Set<number>();
  const len = previousIds.length;
  if (n < 1 || len < n) return banned;
  const start = len - (n - 1); // the current (n−1)-token prefix is previousIds[start..len)
  for (let i = 0; i + n <= len; i++) {
    let match = true;
    for (let j = 0; j < n - 1 && match; j++) match = previousIds[i + j] === previousIds[start + j];
    if (match) banned.add(previousIds[i + n - 1]!);
  }
  return banned;
}

/** Bans every token that would repeat an n-gram of the output (n = 0 switches it off). */
export function noRepeatNgram(n: number, previousIds: readonly number[]): LogitsProcessor {
  if (!Number.isInteger(n) || n < 0) {
    throw new TaskError('bad-input', `The no-repeat n-gram size must be a whole number ≥ 0 (got ${n}); 0 switches it off.`);
  }
  const banned = bannedNgramTokens(n, previousIds);
  if (banned.size === 0) return (s) => s;
  return (s) => {
    const out = s.slice();
    for (const id of banned) if (id >= 0 && id < out.length) out[id] = -Infinity;
    return out;
  };
}

/** Bans the end token while the output has fewer than `min` tokens. */
export function minLength(min: number, endId: number, length: number): LogitsProcessor {
  if (length >= min) return (s) => s;
  return (s) => {
    const out = s.slice();
    out[endId] = -Infinity;
    return out;
  };
}

export interface CandidateSetOptions {
  endId?: number;
  /**
   * Consistent decoding (Welleck et al. 2020): never drop the end token from the candidate set,
   * so every sequence ends with probability 1 before an infinite length. A token already banned
   * (-Infinity, e.g. by min-length) stays banned. Default true; needs `endId`.
   */
  consistent?: boolean;
}

function keepOnly(s: Float32Array, kept: readonly number[], opts: CandidateSetOptions): Float32Array {
  const out = new Float32Array(s.length).fill(-Infinity);
  for (const i of kept) out[i] = s[i]!;
  if ((opts.consistent ?? true) && opts.endId !== undefined) out[opts.endId] = s[opts.endId]!;
  return out;
}

/** Keeps the k highest scores (equal scores: lower index first), bans the rest. */
export function topK(k: number, opts: CandidateSetOptions = {}): LogitsProcessor {
  if (!Number.isInteger(k) || k < 1) throw new TaskError('bad-input', `Top-k must be a whole number ≥ 1 (got ${k}).`);
  return (s) => (k >= s.length ? s : keepOnly(s, topIndices(s, k), opts));
}

/**
 * Nucleus filtering (Holtzman et al. 2020): the shortest prefix of the tokens sorted by
 * probability (ties: lower index first) whose mass reaches p, including the token that crosses
 * it. The mass is taken on the softmax of this row, so after top-k it is the renormalised one.
 */
export function topP(p: number, opts: CandidateSetOptions = {}): LogitsProcessor {
  if (!(p > 0 && p <= 1)) throw new TaskError('bad-input', `Top-p must be in (0, 1] (got ${p}); 1 switches it off, 0.9 is a usual value.`);
  if (p === 1) return (s) => s;
  return (s) => keepOnly(s, nucleus(s, p), opts);
}

/**
 * Indices of the nucleus of mass p (in no particular order), by quickselect on mass: expected
 * O(V) even when the nucleus holds thousands of tokens, where sorting would cost O(V log V).
 * The nucleus is every token above the crossing score v*, plus, among tokens equal to v*,
 * the lowest indices needed to reach p (the order a stable sort would give).
 */
function nucleus(s: Float32Array, p: number): number[] {
  let max = -Infinity;
  for (let i = 0; i < s.length; i++) if (s[i]! > max) max = s[i]!;
  if (max === -Infinity) return [];
  // Working set of finite scores and their unnormalised masses exp(s − max), compacted in
  // place each round; `need` is p in the same units.
  const values = new Float64Array(s.length);
  const masses = new Float64Array(s.length);
  let len = 0;
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    if (v > -Infinity) {
      const m = Math.exp(v - max);
      values[len] = v;
      masses[len++] = m;
      total += m;
    }
  }
  let need = p * total;
  let pivotSeed = 0x2545f491; // deterministic pivots; the result does not depend on them
  let threshold: number;
  for (;;) {
    pivotSeed = (Math.imul(pivotSeed, 1664525) + 1013904223) >>> 0;
    const pivot = values[pivotSeed % len]!;
    let above = 0;
    let equal = 0;
    let nBelow = 0;
    for (let j = 0; j < len; j++) {
      const v = values[j]!;
      if (v > pivot) above += masses[j]!;
      else if (v === pivot) equal += masses[j]!;
      else nBelow++;
    }
    let keepAbove: boolean;
    if (above >= need) keepAbove = true; // v* is above the pivot
    else if (above + equal >= need || nBelow === 0) {
      threshold = pivot; // the pivot's score crosses p (or float rounding left nothing below)
      need -= above;
      break;
    } else {
      keepAbove = false; // v* is below: everything from the pivot up is in the nucleus
      need -= above + equal;
    }
    let kept = 0;
    for (let j = 0; j < len; j++) {
      const v = values[j]!;
      if (keepAbove ? v > pivot : v < pivot) {
        values[kept] = v;
        masses[kept++] = masses[j]!;
      }
    }
    len = kept;
  }
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) if (s[i]! > threshold) out.push(i);
  let mass = 0;
  for (let i = 0; i < s.length && mass < need; i++) {
    if (s[i] === threshold) {
      out.push(i);
      mass += Math.exp(s[i]! - max);
    }
  }
  return out;
}

/** log Σ exp(s_i) in float64; -Infinity when every entry is banned. */
export function logSumExp(s: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < s.length; i++) if (s[i]! > max) max = s[i]!;
  if (max === -Infinity || !Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += Math.exp(s[i]! - max);
  return max + Math.log(sum);
}

/** Normalised log-probabilities (float64). All entries -Infinity when every token is banned. */
export function logSoftmax(s: ArrayLike<number>): Float64Array {
  const lse = logSumExp(s);
  const out = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = lse === -Infinity ? -Infinity : s[i]! - lse;
  return out;
}

/** Probabilities (float64). All zeros when every token is banned. */
export function softmax(s: ArrayLike<number>): Float64Array {
  const lse = logSumExp(s);
  const out = new Float64Array(s.length);
  if (lse === -Infinity) return out;
  for (let i = 0; i < s.length; i++) out[i] = Math.exp(s[i]! - lse);
  return out;
}

/** Shannon entropy in nats of softmax(s). */
export function entropy(s: ArrayLike<number>): number {
  const lp = logSoftmax(s);
  let h = 0;
  for (let i = 0; i < lp.length; i++) if (lp[i]! > -Infinity) h -= Math.exp(lp[i]!) * lp[i]!;
  return h;
}
