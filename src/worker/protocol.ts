// The typed message protocol between the page and the compute worker.
//
// The page sends `run` (one task with its params) and `cancel`; the worker answers each run
// with any number of `progress` messages, then exactly one `result` or `error`. Events that
// belong to no run (backend ready, device lost/recovered) travel as `event`.
import type { BackendName, BackendReport } from '../gpu/backend-names';
import type { TaskMap } from '../tasks/registry';

export type TaskName = keyof TaskMap;
export type TaskParams<T extends TaskName> = TaskMap[T]['params'];
export type TaskResult<T extends TaskName> = TaskMap[T]['result'];

export type ToWorker =
  | { kind: 'init'; backend: BackendName | null }
  | { kind: 'run'; id: number; task: TaskName; params: unknown }
  | { kind: 'cancel'; id: number };

export interface ProgressMessage {
  kind: 'progress';
  id: number;
  /** Units done so far and the total (bytes, steps, forwards: `unit` says which). */
  done: number;
  total: number;
  unit: string;
  label?: string;
  /** Partial result to show while the task runs (streamed outputs). */
  partial?: unknown;
}

export type ErrorCode = 'cancelled' | 'bad-input' | 'bad-weights' | 'no-model' | 'device-lost' | 'internal';

export type WorkerEvent =
  | { event: 'backend'; report: BackendReport }
  | { event: 'backend-failed'; message: string }
  | { event: 'device-lost'; message: string }
  | { event: 'device-recovered'; report: BackendReport; modelReloaded: boolean };

export type FromWorker =
  | ProgressMessage
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; code: ErrorCode; message: string }
  | ({ kind: 'event' } & WorkerEvent);

/** An error meant for the user: the message says what was wrong and what to do. */
export class TaskError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TaskError';
  }
}

export class CancelledError extends TaskError {
  constructor() {
    super('cancelled', 'Cancelled.');
  }
}
