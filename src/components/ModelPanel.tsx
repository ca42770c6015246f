import { useRef, useState, type DragEvent } from 'react';
import { cancelModelLoad, loadBundledModel, loadModel } from '../app/actions';
import { useT } from '../i18n';
import { useApp } from '../store/store';
import { ProgressBar } from './ProgressBar';

function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return `${n}`;
}

async function filesFromDrop(ev: DragEvent): Promise<File[]> {
  const files: File[] = [];
  const items = Array.from(ev.dataTransfer.items ?? []);
  const entries = items.map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => Boolean(e));
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      files.push(await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej)));
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      const children = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      for (const c of children) await walk(c);
    }
  };
  if (entries.length) for (const e of entries) await walk(e);
  else files.push(...Array.from(ev.dataTransfer.files));
  return files;
}

/** The bundled model's card (Markdown beside its weights), fetched when first opened. */
function ModelCard({ url }: { url: string }) {
  const t = useT();
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    if (text !== null) return;
    fetch(url)
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`${r.status} ${r.statusText}`))))
      .then(setText, (e: Error) => setError(`${url}: ${e.message}`));
  };
  return (
    <details className="model-card" data-testid="model-card" onToggle={(e) => (e.currentTarget.open ? load() : undefined)}>
      <summary>{t('modelCard')}</summary>
      {error && <p className="error" role="alert">{error}</p>}
      {text === null && !error ? <p className="hint">{t('loading')}</p> : text && <pre data-testid="model-card-text">{text}</pre>}
    </details>
  );
}

export function ModelPanel() {
  const t = useT();
  const { modelStatus, model, modelProgress, modelError, backendStatus, bundled } = useApp();
  const [picked, setPicked] = useState<string | null>(null);
  const [url, setUrl] = useState('');
  const [dragging, setDragging] = useState(false);
  const folderInput = useRef<HTMLInputElement>(null);
  const busy = modelStatus === 'loading';
  const canLoad = backendStatus === 'ready' && !busy;

  const loadFiles = (files: File[]) => {
    if (files.length) void loadModel({ kind: 'files', files });
  };
  const loadFromUrl = () => {
    const value = url.trim();
    if (!value) return;
    if (value.startsWith('hf:')) void loadModel({ kind: 'hf', id: value });
    else void loadModel({ kind: 'url', name: value, baseUrl: value, files: ['config.json', 'vocab.txt', 'model.safetensors'] });
  };
  const loadedBundle = model ? bundled.find((m) => m.name === model.name) : undefined;
  const pickedModel = bundled.find((m) => m.id === picked) ?? loadedBundle ?? bundled[0];
  const loadBundled = () => {
    if (!pickedModel) return;
    // The address remembers the choice, so a reload opens the same model.
    const url = new URL(location.href);
    if (pickedModel === bundled[0]) url.searchParams.delete('model');
    else url.searchParams.set('model', pickedModel.id);
    history.replaceState(null, '', url);
    void loadBundledModel(pickedModel);
  };

  return (
    <section
      className={`panel model-panel${dragging ? ' dragging' : ''}`}
      aria-label={t('modelPanel')}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void filesFromDrop(e).then(loadFiles);
      }}
    >
      <h2>{t('modelPanel')}</h2>
      {model ? (
        <dl className="model-summary" data-testid="model-summary">
          <dt>{t('modelPanel')}</dt><dd data-testid="model-name">{model.name}</dd>
          <dt>{t('format')}</dt><dd data-testid="model-format">{model.format}</dd>
          <dt>{t('layers')}</dt><dd data-testid="model-layers">{model.layers}</dd>
          <dt>{t('hidden')}</dt><dd>{model.hidden}</dd>
          <dt>{t('heads')}</dt><dd>{model.heads}</dd>
          <dt>{t('vocab')}</dt><dd>{model.vocab}</dd>
          <dt>{t('parameters')}</dt><dd data-testid="model-params">{formatCount(model.parameters)}</dd>
          <dt>{t('size')}</dt><dd>{(model.bytes / (1 << 20)).toFixed(1)} MB</dd>
          <dt>{t('attention')}</dt><dd>{model.attention}</dd>
          <dt>{t('mlmHead')}</dt><dd>{model.hasMlmHead ? t('yes') : t('no')}</dd>
          <dt>{t('backend')}</dt><dd>{model.backend}</dd>
        </dl>
      ) : (
        <p>{modelStatus === 'loading' ? t('loading') : t('noModel')}</p>
      )}
      {loadedBundle?.description && <p className="hint" data-testid="model-description">{loadedBundle.description}</p>}
      {loadedBundle?.card && <ModelCard key={loadedBundle.id} url={new URL(loadedBundle.card, loadedBundle.baseUrl.replace(/\/?$/, '/')).href} />}
      <ProgressBar progress={modelProgress} testId="model-progress" />
      {modelError && <p className="error" role="alert" data-testid="model-error">{modelError}</p>}
      <div className="row">
        {bundled.length > 1 && (
          <select
            aria-label={t('bundledModels')}
            data-testid="bundled-select"
            value={pickedModel?.id}
            title={pickedModel?.description}
            onChange={(e) => setPicked(e.target.value)}
          >
            {bundled.map((m) => (
              <option key={m.id} value={m.id} title={m.description}>{m.name}</option>
            ))}
          </select>
        )}
        <button type="button" disabled={!canLoad || !pickedModel} data-testid="load-bundled" onClick={loadBundled}>{t('loadDefault')}</button>
        <label className={`button${canLoad ? '' : ' disabled'}`}>
          {t('chooseFiles')}
          <input type="file" multiple hidden disabled={!canLoad} data-testid="file-input" onChange={(e) => loadFiles(Array.from(e.target.files ?? []))} />
        </label>
        <label className={`button${canLoad ? '' : ' disabled'}`}>
          {t('chooseFolder')}
          <input
            type="file"
            hidden
            disabled={!canLoad}
            ref={(el) => {
              folderInput.current = el;
              el?.setAttribute('webkitdirectory', '');
            }}
            onChange={(e) => loadFiles(Array.from(e.target.files ?? []))}
          />
        </label>
        {busy && <button type="button" onClick={cancelModelLoad}>{t('cancel')}</button>}
      </div>
      <p className="hint">{t('dropHint')}</p>
      <form className="row" onSubmit={(e) => { e.preventDefault(); loadFromUrl(); }}>
        <input type="text" value={url} placeholder={t('loadUrl')} aria-label={t('loadUrl')} onChange={(e) => setUrl(e.target.value)} />
        <button type="submit" disabled={!canLoad}>{t('load')}</button>
      </form>
    </section>
  );
}
