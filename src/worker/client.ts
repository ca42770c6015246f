// The page's side of the worker protocol: typed `run` calls returning promises, progress
// callbacks, cancellation through AbortSignal, and backend events.
import type { FromWorker, TaskName, TaskParams, TaskResult, ProgressMessage, WorkerEvent, ErrorCode } from './protocol';
import type { BackendName } from '../gpu/backend-names';

export class WorkerTaskError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerTaskError';
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  onProgress?: (p: ProgressMessage) => void;
}

export interface RunOptions {
  onProgress?: (p: ProgressMessage) => void;
  signal?: AbortSignal;
}

export class ComputeClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: WorkerEvent) => void>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (ev: MessageEvent<FromWorker>) => this.handle(ev.data);
    worker.onerror = (ev) => {
      const message = `The compute worker crashed: ${ev.message || 'unknown error'}. Reload the page.`;
      for (const p of this.pending.values()) p.reject(new WorkerTaskError('internal', message));
      this.pending.clear();
      this.listeners.forEach((l) => l({ event: 'backend-failed', message }));
    };
  }

  init(backend: BackendName | null): void {
    this.worker.postMessage({ kind: 'init', backend });
  }

  onEvent(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  run<T extends TaskName>(task: T, params: TaskParams<T>, opts?: RunOptions): Promise<TaskResult<T>>;
  run(task: 'simulateDeviceLoss', params: Record<string, never>, opts?: RunOptions): Promise<{ lost: boolean }>;
  run(task: string, params: unknown, opts: RunOptions = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress: opts.onProgress });
      if (opts.signal) {
        if (opts.signal.aborted) this.worker.postMessage({ kind: 'cancel', id });
        opts.signal.addEventListener('abort', () => this.worker.postMessage({ kind: 'cancel', id }), { once: true });
      }
      this.worker.postMessage({ kind: 'run', id, task, params });
    });
  }

  private handle(msg: FromWorker): void {
    if (msg.kind === 'event') {
      const { kind: _kind, ...event } = msg;
      this.listeners.forEach((l) => l(event as WorkerEvent));
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.kind === 'progress') {
      p.onProgress?.(msg);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.kind === 'result') p.resolve(msg.value);
    else p.reject(new WorkerTaskError(msg.code, msg.message));
  }
}
