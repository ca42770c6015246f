// One bound zustand store made of typed slices. Plain serialisable data only: no tensors,
// no class instances. Logic lives in src/app/actions.ts.
import { create } from 'zustand';
import type { BackendReport } from '../gpu/backend-names';
import type { ModelSummary } from '../tasks/session';
import type { Lang } from '../i18n';

export type TabId = 'fill-mask' | 'similar' | 'gibbs' | 'attributions' | 'segmentation' | 'spans' | 'diagnostics';

export interface Progress {
  done: number;
  total: number;
  unit: string;
  label?: string;
}

export interface BackendSlice {
  backendStatus: 'starting' | 'ready' | 'failed' | 'recovering';
  backendReport: BackendReport | null;
  backendMessage: string | null;
}

/** An entry of public/models/index.json: a model shipped with the page. */
export interface BundledModel {
  id: string;
  name: string;
  baseUrl: string;
  files: string[];
  /** Changes whenever the files change, so cached copies are not reused. */
  version?: string;
  description?: string;
  /** A model card beside the files (relative to baseUrl). */
  card?: string;
}

export interface ModelSlice {
  /** The bundled models (index.json), the first being the default. */
  bundled: BundledModel[];
  modelStatus: 'none' | 'loading' | 'ready';
  model: ModelSummary | null;
  modelProgress: Progress | null;
  modelError: string | null;
}

export interface UiSlice {
  lang: Lang;
  tab: TabId;
}

export type AppState = BackendSlice & ModelSlice & UiSlice;

export const initialState: AppState = {
  backendStatus: 'starting',
  backendReport: null,
  backendMessage: null,
  bundled: [],
  modelStatus: 'none',
  model: null,
  modelProgress: null,
  modelError: null,
  lang: 'en',
  tab: 'fill-mask',
};

export const useApp = create<AppState>()(() => ({ ...initialState }));

export const setState = useApp.setState;
