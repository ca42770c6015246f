// Span extraction tasks (GlobalPointer heads stored with the weights) as seen by the worker and CLI.
import { needSession, type TaskFn } from '../task-types';
import { extractSpans, spanHeadStatus, type SpanHeadStatus, type SpanParams, type SpanResult } from './spans';

export type { SpanHeadInfo, SpanHeadKind } from './head';
export type { Span, SpanHeadStatus, SpanParams, SpanResult } from './spans';

export interface SpanTaskMap {
  /** Labelled spans of one text, scored by the span head. */
  spans: { params: SpanParams; result: SpanResult };
  /** Whether the loaded weights have a usable span head (labels, layout), or what is missing. */
  spanHead: { params: Record<string, never>; result: SpanHeadStatus };
}

export const SPAN_TASKS: { [K in keyof SpanTaskMap]: TaskFn<SpanTaskMap, K> } = {
  spans: (rt, params, ctx) => extractSpans(needSession(rt), params, ctx),
  spanHead: async (rt) => spanHeadStatus(needSession(rt)),
};
