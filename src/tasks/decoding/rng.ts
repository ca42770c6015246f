// Seeded randomness for the samplers, so a seed reproduces a run exactly.
//
// xoshiro128** (Blackman & Vigna): 128-bit state, 32-bit outputs, passes BigCrush; the state
// is filled from the seed with splitmix32 so that nearby seeds give unrelated streams.

export interface Rng {
  /** A uniform number in [0, 1) with 32 random bits. */
  next(): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const TWO_POW_32 = 4294967296;

/** A deterministic generator: the same seed (any integer, taken mod 2^32) gives the same stream. */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`The random seed must be a finite number (got ${seed}).`);
  const init = splitmix32(Math.trunc(seed));
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  if ((a | b | c | d) === 0) a = 1; // the all-zero state is a fixed point
  return {
    next(): number {
      const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      return result / TWO_POW_32;
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Draws an index with probability proportional to `weights[i]` (inverse CDF, one `rng.next()`).
 * Weights need not sum to 1; zero weights are never drawn. Throws when no weight is positive.
 */
export function sampleIndex(weights: ArrayLike<number>, rng: Rng): number {
  let total = 0;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w > 0) {
      total += w;
      last = i;
    }
  }
  if (last < 0 || !Number.isFinite(total)) {
    throw new RangeError('Cannot sample: the distribution has no positive, finite weight.');
  }
  const u = rng.next() * total;
  let cum = 0;
  for (let i = 0; i <= last; i++) {
    const w = weights[i]!;
    if (!(w > 0)) continue;
    cum += w;
    if (u < cum) return i;
  }
  return last; // u landed in the rounding gap above the float sum
}

/**
 * A distribution over the finite entries of a score row (logits / log-probs), prepared once so
 * that many draws cost O(log m) each: m candidate ids and their cumulative weights exp(s − max).
 */
export interface Categorical {
  ids: Int32Array;
  cumulative: Float64Array;
}

/** Null when every entry is banned (-Infinity). */
export function categoricalFromScores(scores: ArrayLike<number>): Categorical | null {
  let max = -Infinity;
  let m = 0;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i]!;
    if (v > -Infinity) {
      m++;
      if (v > max) max = v;
    }
  }
  if (m === 0 || !Number.isFinite(max)) return null;
  const ids = new Int32Array(m);
  const cumulative = new Float64Array(m);
  let total = 0;
  let j = 0;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i]!;
    if (v > -Infinity) {
      total += Math.exp(v - max);
      ids[j] = i;
      cumulative[j++] = total;
    }
  }
  return { ids, cumulative };
}

/** One draw by inverse CDF (one `rng.next()`): the first id whose cumulative weight exceeds u. */
export function drawCategorical(c: Categorical, rng: Rng): number {
  const cum = c.cumulative;
  const u = rng.next() * cum[cum.length - 1]!;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return c.ids[lo]!;
}
