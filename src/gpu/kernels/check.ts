// Helpers for checking kernels against their float64 references (tests and benchmark).

/** Small seeded PRNG (mulberry32); returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** KERNEL_SEED from the environment (to replay a failure), else a fresh seed. */
export function kernelSeed(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const fixed = env?.KERNEL_SEED;
  if (fixed !== undefined && fixed !== '') return Number(fixed) >>> 0;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** Standard normal samples (Box–Muller), times `scale`. */
export function randomNormal(rand: () => number, count: number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = 1 - rand();
    const w = rand();
    const r = Math.sqrt(-2 * Math.log(u)) * scale;
    out[i] = r * Math.cos(2 * Math.PI * w);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * w);
  }
  return out;
}

export interface ErrorReport {
  /** max |got − want| / max(|want|, scale), see `compareToReference`. */
  maxRel: number;
  maxAbs: number;
  worstIndex: number;
  /** Elements of `got` that are NaN or ±Infinity. */
  nonFinite: number;
  /** Sentinel elements of `want` not reproduced exactly by `got`. */
  sentinelMismatches: number;
  /** The floor of the denominator: root mean square of the (non-sentinel) reference. */
  scale: number;
}

/**
 * Compares a float32 result with its float64 reference.
 * Relative error of element x: |got − want| / max(|want|, rms(want)). Elements much smaller
 * than the tensor's typical magnitude are judged against that magnitude, because float32
 * accumulation error scales with the operands, not with the (possibly cancelled) result.
 * Elements whose reference equals `sentinel` (e.g. the −1e12 mask value) must match exactly
 * after rounding to float32 and are left out of the scale.
 */
export function compareToReference(got: ArrayLike<number>, want: ArrayLike<number>, sentinel?: number): ErrorReport {
  if (got.length !== want.length) throw new Error(`length mismatch: got ${got.length}, want ${want.length}`);
  const sentinel32 = sentinel === undefined ? undefined : Math.fround(sentinel);
  let sumSq = 0;
  let counted = 0;
  for (let i = 0; i < want.length; i++) {
    if (sentinel !== undefined && want[i] === sentinel) continue;
    sumSq += want[i] * want[i];
    counted++;
  }
  const scale = Math.max(Math.sqrt(sumSq / Math.max(counted, 1)), Number.MIN_VALUE);
  const report: ErrorReport = { maxRel: 0, maxAbs: 0, worstIndex: -1, nonFinite: 0, sentinelMismatches: 0, scale };
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    if (!Number.isFinite(g)) {
      report.nonFinite++;
      continue;
    }
    if (sentinel !== undefined && want[i] === sentinel) {
      if (g !== sentinel32) report.sentinelMismatches++;
      continue;
    }
    const abs = Math.abs(g - want[i]);
    const rel = abs / Math.max(Math.abs(want[i]), scale);
    if (rel > report.maxRel) {
      report.maxRel = rel;
      report.worstIndex = i;
    }
    report.maxAbs = Math.max(report.maxAbs, abs);
  }
  return report;
}

export function describeReport(r: ErrorReport): string {
  return `maxRel=${r.maxRel.toExponential(2)} maxAbs=${r.maxAbs.toExponential(2)} at ${r.worstIndex}, ` +
    `nonFinite=${r.nonFinite}, sentinelMismatches=${r.sentinelMismatches}, scale=${r.scale.toExponential(2)}`;
}
