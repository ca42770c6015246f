// App logic outside the store: starts the compute worker, follows its events, loads models.
import { isBackendName } from '../gpu/backend-names';
import type { ModelSource } from '../tasks/model-source';
import { ComputeClient, WorkerTaskError } from '../worker/client';
import { setState, useApp, type BundledModel } from '../store/store';

export type { BundledModel };

let client: ComputeClient | null = null;
let loadController: AbortController | null = null;

export function compute(): ComputeClient {
  if (!client) throw new Error('The compute worker has not started.');
  return client;
}

export function requestedBackend(search: string = location.search) {
  const value = new URLSearchParams(search).get('backend');
  return isBackendName(value) ? value : null;
}

export function startApp(): void {
  if (client) return;
  const worker = new Worker(new URL('../worker/compute.worker.ts', import.meta.url), { type: 'module', name: 'compute' });
  client = new ComputeClient(worker);
  client.onEvent((e) => {
    switch (e.event) {
      case 'backend':
        setState({ backendStatus: 'ready', backendReport: e.report, backendMessage: null });
        void loadDefaultModel();
        break;
      case 'backend-failed':
        setState({ backendStatus: 'failed', backendMessage: e.message });
        break;
      case 'device-lost':
        setState({ backendStatus: 'recovering', backendMessage: e.message });
        break;
      case 'device-recovered':
        setState((s) => ({
          backendStatus: 'ready',
          backendReport: e.report,
          backendMessage: 'recovered',
          model: e.modelReloaded && s.model ? { ...s.model, backend: e.report.backend } : e.modelReloaded ? s.model : null,
          modelStatus: e.modelReloaded ? s.modelStatus : 'none',
        }));
        break;
    }
  });
  client.init(requestedBackend());
}

export async function bundledModels(): Promise<BundledModel[]> {
  const r = await fetch('models/index.json');
  if (!r.ok) return [];
  const list = (await r.json()) as BundledModel[];
  return list.map((m) => ({ ...m, baseUrl: new URL(m.baseUrl, location.href).href }));
}

/** The bundled model asked for with `?model=<id>`, or null. */
export function requestedModelId(search: string = location.search): string | null {
  const value = new URLSearchParams(search).get('model');
  return value ? value.trim() || null : null;
}

/**
 * Picks the bundled model to open: the one named by `id` when there is one, else the first
 * (the default model). An unknown id is reported, and the default opens instead.
 */
export function pickBundled(list: BundledModel[], id: string | null): { model: BundledModel | undefined; error: string | null } {
  if (!id) return { model: list[0], error: null };
  const found = list.find((m) => m.id === id);
  if (found) return { model: found, error: null };
  const known = list.map((m) => m.id).join(', ') || 'none';
  return { model: list[0], error: `There is no bundled model "${id}" (bundled: ${known}); the default model was opened instead.` };
}

export function loadBundledModel(m: BundledModel): Promise<void> {
  return loadModel({ kind: 'url', name: m.name, baseUrl: m.baseUrl, files: m.files, version: m.version });
}

export async function loadDefaultModel(): Promise<void> {
  if (useApp.getState().modelStatus !== 'none') return;
  const list = await bundledModels().catch(() => []);
  setState({ bundled: list });
  const { model, error } = pickBundled(list, requestedModelId());
  if (model) await loadBundledModel(model);
  if (error) setState({ modelError: error });
}

export async function loadModel(source: ModelSource): Promise<void> {
  loadController?.abort();
  const controller = new AbortController();
  loadController = controller;
  const previous = useApp.getState();
  setState({ modelStatus: 'loading', modelProgress: { done: 0, total: 0, unit: 'bytes' }, modelError: null });
  try {
    const summary = await compute().run('loadModel', { source }, {
      signal: controller.signal,
      onProgress: (p) => setState({ modelProgress: { done: p.done, total: p.total, unit: p.unit, label: p.label } }),
    });
    setState({ modelStatus: 'ready', model: summary, modelProgress: null });
  } catch (e) {
    const message = e instanceof WorkerTaskError && e.code === 'cancelled' ? null : (e as Error).message;
    // The previous model stays loaded in the worker and usable.
    setState({ modelStatus: previous.model ? 'ready' : 'none', model: previous.model, modelProgress: null, modelError: message });
  } finally {
    if (loadController === controller) loadController = null;
  }
}

export function cancelModelLoad(): void {
  loadController?.abort();
}
