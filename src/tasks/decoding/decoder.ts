// Reusable autoregressive decoding (in the spirit of bert4keras's AutoRegressiveDecoder): the
// task supplies `predict(inputs, outputIds, state)` returning next-token scores per row; the
// strategies here choose tokens. Pure TypeScript: no tensors cross this boundary.
export type { DecoderOptions, PenaltyOptions, PredictFn, PredictResult, StepPartial } from './common';
export { greedy } from './greedy';
export { beamSearch, type BeamHypothesis, type BeamSearchOptions } from './beam-search';
export { randomSample, type SampledCandidate, type SampleOptions } from './random-sample';
export { compareConsistency, type ConsistencyOptions, type ConsistencyReport } from './consistency';
export { createRng, sampleIndex, type Rng } from './rng';
