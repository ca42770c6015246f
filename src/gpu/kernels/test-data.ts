// Random inputs with padding and segments for the kernel tests.
import { randomNormal } from './check';

export interface AttentionCase {
  batch: number;
  heads: number;
  n: number;
  d: number;
}

export interface AttentionInputs {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** [B, N], see makeMasks. */
  keyMask: Float32Array;
  /** [B, N], see makeMasks. */
  typeIds: Float32Array;
}

/** Real (unpadded) length of row b: the tail padding grows with b; n = 1 keeps its token. */
export function realLength(b: number, batch: number, n: number): number {
  return Math.max(1, n - Math.floor((n * (b + 1)) / (4 * batch)));
}

/**
 * keyMask [B, N]: real tokens then tail padding; the last row also drops one interior token.
 * typeIds [B, N]: 0 for the first ~40% of a row's real tokens (source), 1 after (target), 0 on padding.
 */
export function makeMasks(batch: number, n: number): { keyMask: Float32Array; typeIds: Float32Array } {
  const keyMask = new Float32Array(batch * n);
  const typeIds = new Float32Array(batch * n);
  for (let b = 0; b < batch; b++) {
    const len = realLength(b, batch, n);
    const source = Math.max(1, Math.ceil(len * 0.4));
    for (let j = 0; j < len; j++) {
      keyMask[b * n + j] = 1;
      typeIds[b * n + j] = j < source ? 0 : 1;
    }
    if (b === batch - 1 && len > 3) keyMask[b * n + Math.floor(len / 2)] = 0;
  }
  return { keyMask, typeIds };
}

export function makeAttentionInputs(rand: () => number, c: AttentionCase): AttentionInputs {
  const size = c.batch * c.heads * c.n * c.d;
  return {
    q: randomNormal(rand, size),
    k: randomNormal(rand, size),
    v: randomNormal(rand, size),
    ...makeMasks(c.batch, c.n),
  };
}

/** The sizes every kernel is checked at: small shapes with B, H > 1; n = 2048 with B = 1, H = 2. */
export function attentionCases(d: number): AttentionCase[] {
  return [
    { batch: 2, heads: 3, n: 1, d },
    { batch: 2, heads: 3, n: 7, d },
    { batch: 3, heads: 2, n: 64, d },
    { batch: 2, heads: 2, n: 513, d },
    { batch: 1, heads: 2, n: 2048, d },
  ];
}
