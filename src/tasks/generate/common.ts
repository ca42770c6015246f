// Small pieces shared by the generation tasks: parameter clamping with a notice, output decoding,
// cancellation mapping and the clock.
import type { BertTokenizer } from '../../model/tokenizer';
import { CancelledError, TaskError } from '../../worker/protocol';

/** Messages about parameters that were adjusted, shown with the result. */
export type Notices = string[];

/**
 * A whole number in [min, max]: `value` rounded, `fallback` when absent. Out-of-range values are
 * clamped and a notice says so; a non-number is refused.
 */
export function clampInt(value: number | undefined, fallback: number, min: number, max: number, what: string, notices: Notices): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TaskError('bad-input', `${what} must be a number (got ${String(value)}).`);
  const v = Math.round(value);
  if (v < min || v > max) {
    const c = Math.min(Math.max(v, min), max);
    notices.push(`${what} ${v} is outside ${min}–${max}; using ${c}.`);
    return c;
  }
  return v;
}

/** Generated ids → text: the end token(s) and other special tokens dropped. */
export function decodeOutput(tokenizer: BertTokenizer, ids: number[]): string {
  return tokenizer.decode(ids.filter((id) => id !== tokenizer.sepId), { skipSpecial: true }).trim();
}

/** The decoder signals a cancel with a DOMException AbortError; tasks report CancelledError. */
export function asCancelled(e: unknown): unknown {
  return (e as Error)?.name === 'AbortError' ? new CancelledError() : e;
}

export function nowMs(): number {
  return performance.now();
}
