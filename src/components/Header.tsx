import { useApp, setState } from '../store/store';
import { useT, type MessageKey } from '../i18n';
import type { BackendReasonCode } from '../gpu/backend-names';

const REASON_KEYS: Record<BackendReasonCode, MessageKey> = {
  explicit: 'reasonExplicit',
  hardware: 'reasonHardware',
  software: 'reasonSoftware',
  'no-adapter': 'reasonNoAdapter',
  'no-webgpu': 'reasonNoWebgpu',
};

export function BackendBadge() {
  const t = useT();
  const { backendStatus, backendReport, backendMessage } = useApp();
  const label =
    backendStatus === 'starting' ? t('backendStarting')
    : backendStatus === 'failed' ? t('backendFailed')
    : backendReport?.backend ?? '?';
  const adapter = backendReport?.adapter;
  return (
    <div className={`badge badge-${backendStatus}`} data-testid="backend-badge" data-backend={backendReport?.backend ?? ''} data-status={backendStatus}>
      <strong>{t('backend')}: {label}</strong>
      {adapter && <span className="badge-adapter" data-testid="adapter"> · {[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' / ')}{adapter.isSoftware ? ' (software)' : ''}</span>}
      {backendReport?.wasmThreads != null && (
        <span className="badge-adapter" data-testid="wasm-threads" data-threads={backendReport.wasmThreads}> · {backendReport.wasmThreads} {t('wasmThreads')}</span>
      )}
      {backendReport?.wasmSimd != null && (
        <span className="badge-adapter" data-testid="wasm-simd" data-simd={String(backendReport.wasmSimd)}> · {t(backendReport.wasmSimd ? 'wasmSimdOn' : 'wasmSimdOff')}</span>
      )}
      {backendReport && <div className="badge-reason" data-testid="backend-reason">{t('why')}: {t(REASON_KEYS[backendReport.reasonCode])}</div>}
      {backendStatus === 'recovering' && <div className="badge-warn" role="status">{t('deviceLost')}</div>}
      {backendStatus === 'ready' && backendMessage === 'recovered' && <div className="badge-ok" role="status" data-testid="device-recovered">{t('deviceRecovered')}</div>}
      {backendStatus === 'failed' && backendMessage && <div className="error" role="alert">{backendMessage}</div>}
    </div>
  );
}

export function Header() {
  const t = useT();
  const lang = useApp((s) => s.lang);
  return (
    <header className="header">
      <div>
        <h1>{t('title')}</h1>
        <p className="subtitle">{t('subtitle')}</p>
      </div>
      <BackendBadge />
      <button type="button" className="lang" data-testid="lang-switch" onClick={() => setState({ lang: lang === 'en' ? 'zh' : 'en' })}>
        {t('language')}
      </button>
    </header>
  );
}
