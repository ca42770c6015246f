// Plain vs consistent sampling side by side (Welleck et al. 2020, "Consistency of a Recurrent
// Language Model With Respect to Incomplete Decoding"): with top-k / nucleus filtering the end
// token can fall outside the candidate set at every step, so a sample may never end and only
// the hard maxLength stops it. Keeping the end token in the set removes that failure.
import type { PredictFn, StepPartial } from './common';
import { randomSample, type SampledCandidate, type SampleOptions } from './random-sample';
import { createRng } from './rng';

export interface ConsistencyVariantReport {
  /** Samples that reached maxLength without ending. */
  hitMaxLength: number;
  /** Mean output length in tokens (end token included). */
  meanLength: number;
  samples: SampledCandidate[];
}

export interface ConsistencyReport {
  n: number;
  maxLength: number;
  seed: number;
  plain: ConsistencyVariantReport;
  consistent: ConsistencyVariantReport;
}

export type ConsistencyOptions<S> = Omit<SampleOptions<S>, 'rng' | 'consistent' | 'onStep'> & {
  seed: number;
  onStep?: (variant: 'plain' | 'consistent', partial: StepPartial) => void;
};

function summarise(samples: SampledCandidate[]): ConsistencyVariantReport {
  const total = samples.reduce((acc, s) => acc + s.ids.length, 0);
  return { hitMaxLength: samples.filter((s) => !s.ended).length, meanLength: total / samples.length, samples };
}

/** Runs the same sampler twice from the same seed, once plain and once consistent. */
export async function compareConsistency<S, I>(predict: PredictFn<S, I>, inputs: I, opts: ConsistencyOptions<S>): Promise<ConsistencyReport> {
  const { seed, onStep, ...rest } = opts;
  const run = (consistent: boolean) =>
    randomSample(predict, inputs, {
      ...rest,
      consistent,
      rng: createRng(seed),
      onStep: onStep ? (p) => onStep(consistent ? 'consistent' : 'plain', p) : undefined,
    });
  const plain = await run(false);
  const consistent = await run(true);
  return { n: opts.n, maxLength: opts.maxLength, seed, plain: summarise(plain), consistent: summarise(consistent) };
}
