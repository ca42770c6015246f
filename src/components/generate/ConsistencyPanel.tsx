// Plain vs consistent top-k/top-p sampling on the same question and seed, side by side.
import { useJob } from '../../app/useJob';
import { useT } from '../../i18n';
import { useApp } from '../../store/store';
import type { ConsistencyResult } from '../../tasks/generate';
import { ProgressBar } from '../ProgressBar';
import { ExportButtons, jobState } from './fields';
import type { SamplingSettings } from './SimilarTab';

function summary(r: ConsistencyResult): string {
  const line = (name: string, v: ConsistencyResult['plain']) => `${name}\thit max length ${v.hitMaxLength}/${r.n}\tmean length ${v.meanLength.toFixed(2)}`;
  return [line('plain', r.plain), line('consistent', r.consistent)].join('\n');
}

export function ConsistencyPanel({ text, n, sampling }: { text: string; n: number; sampling: SamplingSettings }) {
  const t = useT();
  const modelReady = useApp((s) => s.modelStatus === 'ready');
  const job = useJob('consistencyCheck');
  const r = job.result;
  const run = () =>
    void job.start({
      text, n: Math.min(n, 50), topK: sampling.topK, topP: sampling.topP < 1 ? sampling.topP : undefined,
      temperature: sampling.temperature, maxLength: sampling.maxLength, seed: sampling.seed,
    });
  return (
    <section className="stack" data-testid="consistency-panel">
      <h3>{t('consistencyTitle')}</h3>
      <p className="hint">{t('consistencyHelp')}</p>
      <div className="row">
        <button type="button" disabled={!modelReady || job.running} onClick={run} data-testid="consistency-run">{t('consistencyRun')}</button>
        {job.running && <button type="button" onClick={job.cancel} data-testid="consistency-stop">{t('stop')}</button>}
      </div>
      <ProgressBar progress={job.running ? job.progress : null} />
      <div data-testid="consistency-status" data-state={jobState(job)}>
        {job.error && <span className="error" role="alert">{job.error}</span>}
      </div>
      {r && (
        <div data-testid="consistency-result">
          <table className="candidates">
            <thead>
              <tr><th /><th>{t('hitMaxLength')}</th><th>{t('meanLength')}</th></tr>
            </thead>
            <tbody>
              {([['plain', t('plainSampling'), r.plain], ['consistent', t('consistentSampling'), r.consistent]] as const).map(([id, label, v]) => (
                <tr key={id} data-testid={`consistency-${id}`} data-hit={v.hitMaxLength}>
                  <td>{label}</td>
                  <td className="num">{v.hitMaxLength}/{r.n}</td>
                  <td className="num">{v.meanLength.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <ExportButtons name="consistency" json={r} text={summary(r)} testPrefix="consistency" />
        </div>
      )}
    </section>
  );
}
