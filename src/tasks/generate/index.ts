// Generation tasks (similar questions, sentence search, Gibbs sampling) as seen by the worker and CLI.
import type { TaskFn } from '../task-types';
import { needSession } from '../task-types';
import { gibbsSample, type GibbsParams, type GibbsResult } from './gibbs';
import { buildSearchIndex, querySearchIndex, type SearchIndexParams, type SearchIndexResult, type SearchQueryParams, type SearchQueryResult } from './search';
import { consistencyCheck, generateText, type ConsistencyParams, type ConsistencyResult, type GenerateParams, type GenerateResult } from './seq2seq';
import { similarQuestions, type SimilarParams, type SimilarResult } from './similar';

export type { GibbsChainStep, GibbsParams, GibbsPartial, GibbsResult } from './gibbs';
export type { SearchHit, SearchIndexParams, SearchIndexResult, SearchQueryParams, SearchQueryResult } from './search';
export type { ConsistencyParams, ConsistencyResult, GeneratePartial, GenerateParams, GenerateResult, Strategy } from './seq2seq';
export type { RankedCandidate, SimilarParams, SimilarPartial, SimilarResult } from './similar';
export type { Pooling, PoolingChoice } from './sentence-embed';

export interface GenerateTaskMap {
  /** UniLM seq2seq generation from one text: greedy, beam search or sampling. */
  generate: { params: GenerateParams; result: GenerateResult };
  /** SimBERT similar questions: sample, dedupe, rank by cosine to the question. */
  similar: { params: SimilarParams; result: SimilarResult };
  /** Embed a sentence list and keep it in the worker under an index id. */
  searchIndex: { params: SearchIndexParams; result: SearchIndexResult };
  /** Top-k sentences of an index by cosine to a query. */
  searchQuery: { params: SearchQueryParams; result: SearchQueryResult };
  /** Gibbs sampling (optionally MH-corrected) from the MLM head. */
  gibbs: { params: GibbsParams; result: GibbsResult };
  /** Plain vs consistent top-k/top-p sampling on the same input and seed. */
  consistencyCheck: { params: ConsistencyParams; result: ConsistencyResult };
}

export const GENERATE_TASKS: { [K in keyof GenerateTaskMap]: TaskFn<GenerateTaskMap, K> } = {
  generate: async (rt, params, ctx) => generateText(needSession(rt), params, ctx),
  similar: async (rt, params, ctx) => similarQuestions(needSession(rt), params, ctx),
  searchIndex: async (rt, params, ctx) => buildSearchIndex(needSession(rt), params, ctx),
  searchQuery: async (rt, params, ctx) => querySearchIndex(needSession(rt), params, ctx),
  gibbs: async (rt, params, ctx) => gibbsSample(needSession(rt), params, ctx),
  consistencyCheck: async (rt, params, ctx) => consistencyCheck(needSession(rt), params, ctx),
};
