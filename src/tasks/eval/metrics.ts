// Pure counting behind the model evaluation: which positions to mask, top-k hits, paraphrase
// retrieval on a similarity matrix, and how many generated candidates merely copy the input.
import { isChineseChar } from '../../model/tokenizer-text';
import type { Rng } from '../decoding/rng';

/** A token that is exactly one CJK ideograph (the unit the Chinese MLM predicts). */
export function isCjkCharToken(token: string): boolean {
  const cps = [...token];
  return cps.length === 1 && isChineseChar(cps[0]!.codePointAt(0)!);
}

/**
 * Picks round(rate · n) of the candidate positions (at least one when there is a candidate),
 * uniformly without replacement by a partial Fisher–Yates shuffle driven by `rng`; returned in
 * ascending order. The same rng state gives the same choice.
 */
export function selectMaskPositions(candidates: readonly number[], rate: number, rng: Rng): number[] {
  if (!(rate > 0 && rate <= 1)) throw new RangeError(`The mask rate must be in (0, 1] (got ${rate}).`);
  const n = candidates.length;
  if (n === 0) return [];
  const k = Math.min(n, Math.max(1, Math.round(rate * n)));
  const pool = candidates.slice();
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.next() * (n - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k).sort((a, b) => a - b);
}

export interface TopKCounts {
  /** Positions scored, and those whose target was the first / among the first five predictions. */
  total: number;
  top1: number;
  top5: number;
}

export const NO_COUNTS: TopKCounts = { total: 0, top1: 0, top5: 0 };

/** ranked[i]: predicted ids for position i, best first (at least 5 for a top-5 count). */
export function countTopK(targets: readonly number[], ranked: readonly (readonly number[])[]): TopKCounts {
  if (targets.length !== ranked.length) throw new RangeError(`${targets.length} targets but ${ranked.length} prediction lists.`);
  let top1 = 0;
  let top5 = 0;
  targets.forEach((t, i) => {
    const r = ranked[i]!;
    if (r[0] === t) top1++;
    if (r.slice(0, 5).includes(t)) top5++;
  });
  return { total: targets.length, top1, top5 };
}

export function addTopK(a: TopKCounts, b: TopKCounts): TopKCounts {
  return { total: a.total + b.total, top1: a.top1 + b.top1, top5: a.top5 + b.top5 };
}

/** 100 · part / whole; 0 for an empty whole. */
export function percent(part: number, whole: number): number {
  return whole > 0 ? (100 * part) / whole : 0;
}

/**
 * Paraphrase retrieval: sim[i][j] = similarity of left side i to right side j (square). Row i
 * is a hit when its partner j = i is strictly more similar than every other right side (a tie
 * is a miss: the partner was not singled out). Returns the hit percentage.
 */
export function retrievalTop1(sim: readonly (readonly number[])[]): number {
  let hits = 0;
  sim.forEach((row, i) => {
    if (row.length !== sim.length) throw new RangeError(`Row ${i} has ${row.length} columns; the matrix must be ${sim.length} × ${sim.length}.`);
    const own = row[i]!;
    if (row.every((v, j) => j === i || v < own)) hits++;
  });
  return percent(hits, sim.length);
}

/** Text without spaces, punctuation and symbols, lower-cased: what a copy shares with its input. */
export function copyKey(text: string): string {
  return text.replace(/[\s\p{P}\p{S}]+/gu, '').toLowerCase();
}

/** Number of candidates that are not the input up to spaces, punctuation and case. */
export function countNonCopies(input: string, candidates: readonly string[]): number {
  const own = copyKey(input);
  return candidates.filter((c) => copyKey(c) !== own).length;
}
