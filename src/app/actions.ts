// App logic outside the store: starts the compute worker, follows its events, loads models.
import { isBackendName } from '../gpu/backend-names';
import type { ModelSource } from '../tasks/model-source';
import { ComputeClient, WorkerTaskError } from '../worker/client';
import { setState, useApp } from '../store/store';

export interface BundledModel {
  id: string;
  name: string;
  baseUrl: string;
  files: string[];
  /** Changes whenever the files change, so cached copies are not reused. */
  version?: string;
  description?: string;
}

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

export async function loadDefaultModel(): Promise<void> {
  if (useApp.getState().modelStatus !== 'none') return;
  const [first] = await bundledModels().catch(() => []);
  if (first) await loadModel({ kind: 'url', name: first.name, baseUrl: first.baseUrl, files: first.files, version: first.version });
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
