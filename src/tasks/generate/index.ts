// Generation tasks (similar questions, sentence search, Gibbs sampling) as seen by the worker and CLI.
import type { TaskFn } from '../task-types';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GenerateTaskMap {}

export const GENERATE_TASKS: { [K in keyof GenerateTaskMap]: TaskFn<GenerateTaskMap, K> } = {};
