// Deterministic inputs for the forward workloads and the numbers computed from timings.
// Pure functions: no tfjs, no ORT, so both sides see byte-identical token ids.
import type { ForwardShape } from './protocol';

/** Row-major [B, L] int32 arrays, as both runtimes take them (ORT gets int64 copies). */
export interface ForwardBatch {
  shape: ForwardShape;
  ids: Int32Array;
  types: Int32Array;
  /** 1 = real token, 0 = padding. */
  mask: Int32Array;
}

/** The ids a batch is made of: `[CLS]`, `[SEP]`, and ordinary tokens in [firstWordId, size). */
export interface ForwardVocab {
  size: number;
  clsId: number;
  sepId: number;
  firstWordId: number;
}

/** bert-base-chinese (the fixture): ordinary word pieces start after the specials and [unused]. */
export const BERT_BASE_CHINESE_VOCAB: ForwardVocab = { size: 21128, clsId: 101, sepId: 102, firstWordId: 104 };

/** A vocabulary's batch ids from its special-token ids: words start after the last special. */
export function forwardVocab(size: number, specials: { clsId: number; sepId: number; padId: number; maskId: number; unkId: number }): ForwardVocab {
  const { clsId, sepId, padId, maskId, unkId } = specials;
  const firstWordId = Math.max(clsId, sepId, padId, maskId, unkId) + 1;
  if (firstWordId >= size) throw new RangeError(`The vocabulary (${size} tokens) has no ordinary tokens after its special ids.`);
  return { size, clsId, sepId, firstWordId };
}

/** xorshift32: a fixed sequence for a seed, the same in every browser. */
function makeRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/**
 * Row r holds `[CLS] words… [SEP]` then padding: row 0 is full length, later rows get shorter
 * (down to about half), so the padding mask matters. Odd rows have a second segment (type 1)
 * starting halfway through their real tokens.
 */
export function makeForwardBatch(shape: ForwardShape, vocab: ForwardVocab, seed = 1): ForwardBatch {
  const { batch: b, length: l } = shape;
  if (!Number.isInteger(b) || !Number.isInteger(l) || b < 1 || l < 2) throw new RangeError(`A batch needs B ≥ 1 and L ≥ 2 (got ${b}×${l}).`);
  const next = makeRandom(seed * 7919 + b * 131 + l);
  const ids = new Int32Array(b * l);
  const types = new Int32Array(b * l);
  const mask = new Int32Array(b * l);
  for (let r = 0; r < b; r++) {
    const real = Math.max(2, l - Math.floor((r * l) / (2 * b)));
    for (let i = 0; i < real; i++) {
      const at = r * l + i;
      ids[at] = i === 0 ? vocab.clsId : i === real - 1 ? vocab.sepId : vocab.firstWordId + (next() % (vocab.size - vocab.firstWordId));
      mask[at] = 1;
      types[at] = r % 2 === 1 && i >= Math.floor(real / 2) ? 1 : 0;
    }
  }
  return { shape, ids, types, mask };
}

/** Largest |a[i] − b[i]|; NaN anywhere or a length mismatch gives Infinity (never "close"). */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function minimum(values: readonly number[]): number {
  return values.length ? Math.min(...values) : NaN;
}

/** "B8×L64" style label, also the suffix of the result keys ("b8l64"). */
export function shapeLabel(s: ForwardShape): string {
  return `B${s.batch}×L${s.length}`;
}

export function shapeKey(s: ForwardShape): string {
  return `b${s.batch}l${s.length}`;
}
