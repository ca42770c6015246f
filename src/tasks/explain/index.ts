// Explanation tasks (integrated gradients, Perturbed Masking) as seen by the worker and CLI.
import type { TaskFn } from '../task-types';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ExplainTaskMap {}

export const EXPLAIN_TASKS: { [K in keyof ExplainTaskMap]: TaskFn<ExplainTaskMap, K> } = {};
