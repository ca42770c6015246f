import { useState } from 'react';
import { compute } from '../app/actions';
import { useJob } from '../app/useJob';
import { useT } from '../i18n';
import { useApp } from '../store/store';
import { ProgressBar } from './ProgressBar';

export function DiagnosticsTab() {
  const t = useT();
  const { modelStatus, backendReport } = useApp();
  const [forwards, setForwards] = useState(500);
  const selfTest = useJob('selfTest');
  const stress = useJob('stress');
  const [tick, setTick] = useState(0);
  return (
    <div className="tab-body">
      <p className="hint">{t('diagnosticsHelp')}</p>
      <div className="row">
        <button type="button" data-testid="self-test-run" disabled={selfTest.running} onClick={() => void selfTest.start({})}>{t('selfTest')}</button>
        {backendReport?.backend === 'webgpu' && (
          <button type="button" data-testid="simulate-loss" onClick={() => void compute().run('simulateDeviceLoss', {})}>{t('simulateLoss')}</button>
        )}
      </div>
      {selfTest.error && <p className="error" role="alert">{selfTest.error}</p>}
      {selfTest.result && <pre data-testid="self-test-result">{JSON.stringify(selfTest.result, null, 2)}</pre>}
      <form className="row" onSubmit={(e) => { e.preventDefault(); void stress.start({ forwards, seqLen: 32 }); }}>
        <label>
          {t('forwards')}{' '}
          <input type="number" min={1} max={100000} value={forwards} data-testid="stress-count" onChange={(e) => setForwards(Number(e.target.value))} />
        </label>
        <button type="submit" data-testid="stress-run" disabled={modelStatus !== 'ready' || stress.running}>{t('stress')}</button>
        {stress.running && <button type="button" data-testid="stress-cancel" onClick={stress.cancel}>{t('cancel')}</button>}
      </form>
      <ProgressBar progress={stress.progress} testId="stress-progress" />
      <div data-testid="stress-status" data-state={stress.running ? 'running' : stress.cancelled ? 'cancelled' : stress.result ? 'done' : stress.error ? 'error' : 'idle'}>
        {stress.cancelled && t('cancelled')}
        {stress.result && `${stress.result.forwards} × ${stress.result.msPerForward.toFixed(1)} ms, ${Math.round(stress.result.tokensPerSecond)} tokens/s`}
        {stress.error && <span className="error" role="alert">{stress.error}</span>}
      </div>
      {/* A counter the page updates on click: e2e tests use it to prove the UI stays responsive. */}
      <button type="button" data-testid="ui-tick" onClick={() => setTick((x) => x + 1)}>UI {tick}</button>
    </div>
  );
}
