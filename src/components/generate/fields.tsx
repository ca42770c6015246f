// Small form controls shared by the generation tabs, and result export (download / copy).
import { useState, type ReactNode } from 'react';
import { useT } from '../../i18n';
import { downloadBlob } from '../download';

export function NumberField(props: {
  label: ReactNode;
  value: number;
  onChange: (v: number) => void;
  min?: number;
  max?: number;
  step?: number;
  testId: string;
  disabled?: boolean;
}) {
  return (
    <label>
      {props.label}{' '}
      <input
        type="number"
        value={Number.isFinite(props.value) ? props.value : ''}
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        disabled={props.disabled}
        data-testid={props.testId}
        onChange={(e) => props.onChange(e.target.value === '' ? NaN : Number(e.target.value))}
      />
    </label>
  );
}

export function Toggle(props: { label: ReactNode; checked: boolean; onChange: (v: boolean) => void; testId: string; title?: string }) {
  return (
    <label title={props.title}>
      <input type="checkbox" checked={props.checked} data-testid={props.testId} onChange={(e) => props.onChange(e.target.checked)} /> {props.label}
    </label>
  );
}

/** Saves `text` as a file through a temporary link. */
export function download(filename: string, text: string, mime: string): void {
  downloadBlob(new Blob([text], { type: `${mime};charset=utf-8` }), filename);
}

/** JSON and text downloads plus copy-to-clipboard of one result. */
export function ExportButtons({ name, json, text, testPrefix }: { name: string; json: unknown; text: string; testPrefix: string }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // Clipboard access can be refused (no focus, no permission); the downloads still work.
    }
  };
  return (
    <div className="row">
      <button type="button" data-testid={`${testPrefix}-export-json`} onClick={() => download(`${name}.json`, `${JSON.stringify(json, null, 2)}\n`, 'application/json')}>
        {t('exportJson')}
      </button>
      <button type="button" data-testid={`${testPrefix}-export-text`} onClick={() => download(`${name}.txt`, `${text}\n`, 'text/plain')}>
        {t('exportText')}
      </button>
      <button type="button" data-testid={`${testPrefix}-copy`} onClick={() => void copy()}>{copied ? t('copied') : t('copy')}</button>
    </div>
  );
}

/** A job's state as one attribute for tests and styling. */
export function jobState(job: { running: boolean; cancelled: boolean; result: unknown; error: string | null }): string {
  return job.running ? 'running' : job.cancelled ? 'cancelled' : job.result ? 'done' : job.error ? 'error' : 'idle';
}

export function Notices({ notices, testId }: { notices: string[] | undefined; testId: string }) {
  const t = useT();
  if (!notices || notices.length === 0) return null;
  return (
    <ul className="hint" data-testid={testId}>
      {notices.map((n) => (
        <li key={n}>{t('notices')}: {n}</li>
      ))}
    </ul>
  );
}

/** "123 tokens/s on webgpu". */
export function Speed({ rate, unit, backend, testId }: { rate: number | undefined; unit: string; backend: string | undefined; testId: string }) {
  const t = useT();
  if (rate === undefined) return null;
  return (
    <span className="hint" data-testid={testId}>
      {rate.toFixed(rate < 10 ? 1 : 0)} {unit}{backend ? ` ${t('onBackend')} ${backend}` : ''}
    </span>
  );
}
