// The compute worker: owns the tfjs backend, the loaded model and every long-running job, so the
// page never freezes. One job runs at a time; each can be cancelled.
/// <reference lib="webworker" />
import { disposeWebGPU, initBackend, simulateDeviceLoss, type BackendName } from '../gpu/backend';
import type { TaskContext } from '../tasks/context';
import type { ModelSource } from '../tasks/model-source';
import { TASKS, type Runtime } from '../tasks/registry';
import { TaskError, type FromWorker, type ToWorker } from './protocol';
import { WASM_PATHS } from './wasm-paths';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const runtime: Runtime = { session: null, backend: null, cacheName: 'bert-playground-weights-v1' };
const controllers = new Map<number, AbortController>();
let lastSource: ModelSource | null = null;
let requestedBackend: BackendName | null = null;
let queue: Promise<unknown> = Promise.resolve();

function post(msg: FromWorker): void {
  scope.postMessage(msg);
}

async function startBackend(): Promise<void> {
  runtime.backend = await initBackend({ override: requestedBackend, wasmPaths: WASM_PATHS, onDeviceLost: (info) => void recover(info.message) });
}

/** A lost device: report it, start a fresh device, and reload the model that was loaded. */
async function recover(message: string): Promise<void> {
  post({ kind: 'event', event: 'device-lost', message: message || 'The GPU device was lost.' });
  queue = queue.then(async () => {
    try {
      disposeWebGPU();
      runtime.session = null;
      await startBackend();
      let modelReloaded = false;
      if (lastSource) {
        const ctx: TaskContext = { signal: new AbortController().signal, progress: () => undefined };
        await TASKS.loadModel(runtime, { source: lastSource }, ctx);
        modelReloaded = true;
      }
      post({ kind: 'event', event: 'device-recovered', report: runtime.backend!, modelReloaded });
    } catch (e) {
      post({ kind: 'event', event: 'backend-failed', message: `Recovery after the device loss failed: ${(e as Error).message}` });
    }
  });
}

function toError(id: number, e: unknown): FromWorker {
  if (e instanceof TaskError) return { kind: 'error', id, code: e.code, message: e.message };
  const err = e as Error;
  if (err?.name === 'AbortError') return { kind: 'error', id, code: 'cancelled', message: 'Cancelled.' };
  if (err?.name === 'WeightFormatError') return { kind: 'error', id, code: 'bad-weights', message: err.message };
  return { kind: 'error', id, code: 'internal', message: err?.message ?? String(e) };
}

async function run(id: number, task: string, params: unknown): Promise<void> {
  const controller = controllers.get(id) ?? new AbortController();
  controllers.set(id, controller);
  const ctx: TaskContext = {
    signal: controller.signal,
    progress: (done, total, unit, label, partial) => post({ kind: 'progress', id, done, total, unit, label, partial }),
  };
  try {
    if (controller.signal.aborted) throw new TaskError('cancelled', 'Cancelled.');
    let value: unknown;
    if (task === 'simulateDeviceLoss') {
      value = { lost: simulateDeviceLoss() };
    } else {
      const fn = (TASKS as Record<string, (rt: Runtime, p: unknown, c: TaskContext) => Promise<unknown>>)[task];
      if (!fn) throw new TaskError('bad-input', `Unknown task "${task}".`);
      value = await fn(runtime, params, ctx);
      if (task === 'loadModel') lastSource = (params as { source: ModelSource }).source;
    }
    post({ kind: 'result', id, value });
  } catch (e) {
    post(toError(id, e));
  } finally {
    controllers.delete(id);
  }
}

scope.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  switch (msg.kind) {
    case 'init':
      requestedBackend = msg.backend;
      queue = queue.then(async () => {
        try {
          await startBackend();
          post({ kind: 'event', event: 'backend', report: runtime.backend! });
        } catch (e) {
          post({ kind: 'event', event: 'backend-failed', message: (e as Error).message });
        }
      });
      break;
    case 'run':
      // Cancels must reach a queued job too, so the controller is created when it starts and
      // a cancel for a job not yet started is remembered here.
      if (!controllers.has(msg.id)) controllers.set(msg.id, new AbortController());
      queue = queue.then(() => run(msg.id, msg.task, msg.params));
      break;
    case 'cancel':
      controllers.get(msg.id)?.abort();
      break;
  }
};
