// Rotary position tables for GlobalPointer: interleaved pairs (2p, 2p + 1) rotate by the angle
// pos · θ_p with θ_p = 10000^(−2p / D). Angles and sin/cos are computed in float64 and only the
// results are rounded to float32: an f32 angle at position 2048 is already off by ~1e-4 rad.

const ROPE_BASE = 10000;
const CACHE_LIMIT = 4;
const cache = new Map<string, Float32Array>();

/** [n, d] table: [pos, 2p] = cos(pos·θ_p), [pos, 2p + 1] = sin(pos·θ_p). `d` must be even. */
export function ropeTable(n: number, d: number): Float32Array {
  const key = `${n}x${d}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const table = new Float32Array(n * d);
  for (let p = 0; p < d / 2; p++) {
    const theta = Math.pow(ROPE_BASE, (-2 * p) / d);
    for (let pos = 0; pos < n; pos++) {
      const angle = pos * theta;
      table[pos * d + 2 * p] = Math.cos(angle);
      table[pos * d + 2 * p + 1] = Math.sin(angle);
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, table);
  return table;
}

/** Rotates one vector x [d] at position `pos` in float64 (reference and host code). */
export function ropeRotate(x: ArrayLike<number>, offset: number, d: number, pos: number, out: Float64Array): void {
  for (let p = 0; p < d / 2; p++) {
    const angle = pos * Math.pow(ROPE_BASE, (-2 * p) / d);
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const x0 = x[offset + 2 * p];
    const x1 = x[offset + 2 * p + 1];
    out[2 * p] = x0 * c - x1 * s;
    out[2 * p + 1] = x1 * c + x0 * s;
  }
}
