// Shared shapes of worker/CLI tasks.
import type { BackendReport } from '../gpu/backend-names';
import { TaskError } from '../worker/protocol';
import type { TaskContext } from './context';
import type { Session } from './session';

export interface Runtime {
  session: Session | null;
  backend: BackendReport | null;
  /** Cache Storage name for downloaded weights (browser only). */
  cacheName?: string;
}

type ParamsOf<T> = T extends { params: infer P } ? P : never;
type ResultOf<T> = T extends { result: infer R } ? R : never;

/** A task of map M under key K: (runtime, params, ctx) → result. */
export type TaskFn<M, K extends keyof M> = (rt: Runtime, params: ParamsOf<M[K]>, ctx: TaskContext) => Promise<ResultOf<M[K]>>;

export function needSession(rt: Runtime): Session {
  if (!rt.session) throw new TaskError('no-model', 'No model is loaded yet: load one in the Model panel first.');
  return rt.session;
}
