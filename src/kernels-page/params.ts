// The kernels page's URL parameters:
//   ?verify (default) | ?bench     what to run
//   ?seed=N                        inputs seed (a fresh one on every load when absent)
//   ?only=TEXT                     verify only the kernels whose name contains TEXT
//   ?sizes=128,512,2048,8192       bench sequence lengths
//   ?reps=3                        bench repetitions per timing (median reported)

export class PageParamError extends Error {
  override name = 'PageParamError';
}

export interface PageParams {
  mode: 'verify' | 'bench';
  seed: number;
  /** True when the seed came from the URL. */
  seedGiven: boolean;
  only: string | null;
  sizes: number[];
  reps: number;
}

export const DEFAULT_BENCH_SIZES = [128, 512, 2048, 8192];

function positiveInt(name: string, text: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new PageParamError(`?${name}=${text} is not a whole number from 1 to ${max}; fix or drop it from the URL.`);
  }
  return value;
}

export function parseParams(search: string): PageParams {
  const q = new URLSearchParams(search);
  const mode = q.has('bench') ? 'bench' : 'verify';
  if (q.has('bench') && q.has('verify')) throw new PageParamError('Use either ?verify or ?bench, not both.');
  const seedText = q.get('seed');
  let seed: number;
  if (seedText !== null && seedText !== '') {
    seed = Number(seedText);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
      throw new PageParamError(`?seed=${seedText} is not an integer from 0 to 2^32 − 1.`);
    }
  } else {
    seed = Math.floor(Math.random() * 2 ** 32) >>> 0;
  }
  const sizesText = q.get('sizes');
  const sizes = sizesText ? sizesText.split(',').map((s) => positiveInt('sizes', s.trim(), 65_536)) : DEFAULT_BENCH_SIZES;
  const repsText = q.get('reps');
  return {
    mode,
    seed,
    seedGiven: seedText !== null && seedText !== '',
    only: q.get('only') || null,
    sizes,
    reps: repsText ? positiveInt('reps', repsText, 100) : 3,
  };
}
