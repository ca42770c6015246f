// Similar questions: SimBERT-style sampling with live candidates, a cosine-ranked list, export,
// the plain-vs-consistent comparison, and similar-sentence search over a list.
import { useState } from 'react';
import { useJob } from '../../app/useJob';
import { useT } from '../../i18n';
import { useApp } from '../../store/store';
import type { SimilarPartial, SimilarResult } from '../../tasks/generate';
import { ProgressBar } from '../ProgressBar';
import { ConsistencyPanel } from './ConsistencyPanel';
import { ExportButtons, jobState, Notices, NumberField, Speed, Toggle } from './fields';
import { SearchPanel } from './SearchPanel';

export interface SamplingSettings {
  topK: number;
  topP: number;
  temperature: number;
  maxLength: number;
  seed: number;
}

function resultText(r: SimilarResult): string {
  return r.results.map((c) => `${c.text}\t${c.score.toFixed(4)}`).join('\n');
}

export function SimilarTab() {
  const t = useT();
  const modelReady = useApp((s) => s.modelStatus === 'ready');
  const backend = useApp((s) => s.backendReport?.backend);
  const [text, setText] = useState('今天天气怎么样？');
  const [n, setN] = useState(50);
  const [k, setK] = useState(20);
  const [consistent, setConsistent] = useState(true);
  const [sampling, setSampling] = useState<SamplingSettings>({ topK: 5, topP: 1, temperature: 1, maxLength: 32, seed: 1 });
  const set = (patch: Partial<SamplingSettings>) => setSampling((s) => ({ ...s, ...patch }));
  const job = useJob('similar');
  const partial = job.partial as SimilarPartial | null;
  const result = job.result;

  const run = () =>
    void job.start({
      text, n, k, consistent, topK: sampling.topK, topP: sampling.topP < 1 ? sampling.topP : undefined,
      temperature: sampling.temperature, maxLength: sampling.maxLength, seed: sampling.seed,
    });

  return (
    <div className="tab-body">
      <p className="hint">{t('similarHelp')}</p>
      <form className="stack" onSubmit={(e) => { e.preventDefault(); run(); }}>
        <input type="text" value={text} aria-label={t('question')} data-testid="similar-input" onChange={(e) => setText(e.target.value)} />
        <div className="row">
          <NumberField label={t('candidatesN')} value={n} min={1} max={200} onChange={setN} testId="similar-n" />
          <NumberField label={t('topK')} value={sampling.topK} min={1} max={100} onChange={(v) => set({ topK: v })} testId="similar-topk" />
          <NumberField label={t('topP')} value={sampling.topP} min={0.05} max={1} step={0.05} onChange={(v) => set({ topP: v })} testId="similar-topp" />
          <NumberField label={t('temperature')} value={sampling.temperature} min={0.1} max={5} step={0.1} onChange={(v) => set({ temperature: v })} testId="similar-temperature" />
          <NumberField label={t('maxLength')} value={sampling.maxLength} min={1} max={64} onChange={(v) => set({ maxLength: v })} testId="similar-maxlen" />
          <NumberField label={t('seed')} value={sampling.seed} onChange={(v) => set({ seed: v })} testId="similar-seed" />
          <NumberField label={t('resultsK')} value={k} min={1} max={200} onChange={setK} testId="similar-k" />
          <Toggle label={t('consistent')} title={t('consistentHint')} checked={consistent} onChange={setConsistent} testId="similar-consistent" />
        </div>
        <div className="row">
          <button type="submit" disabled={!modelReady || job.running} data-testid="similar-run">{job.running ? t('running') : t('generateRun')}</button>
          {job.running && <button type="button" onClick={job.cancel} data-testid="similar-stop">{t('stop')}</button>}
          <Speed rate={result?.tokensPerSecond ?? partial?.tokensPerSecond} unit={t('tokensPerSecond')} backend={result?.backend ?? backend} testId="similar-speed" />
        </div>
      </form>
      <ProgressBar progress={job.running ? job.progress : null} testId="similar-progress" />
      <div data-testid="similar-status" data-state={jobState(job)}>
        {job.cancelled && t('cancelled')}
        {job.error && <span className="error" role="alert" data-testid="similar-error">{job.error}</span>}
      </div>

      {partial && !result && (
        <div data-testid="similar-stream">
          <p className="hint">
            {partial.phase === 'sampling' ? t('sampling') : t('ranking')} {partial.step}/{partial.maxLength} · {partial.finished.length} {t('streamedCandidates')} · {partial.live} {t('liveSamples')}
          </p>
          <ul>
            {partial.finished.map((c) => (
              <li key={c} data-testid="similar-stream-item">{c}</li>
            ))}
          </ul>
        </div>
      )}

      {result && (
        <div data-testid="similar-results" data-count={result.results.length}>
          <Notices notices={result.notices} testId="similar-notices" />
          <p className="hint">
            {t('rankedResults')} · {result.distinct}/{result.sampled} · {result.hitMaxLength} {t('hitMaxLength')} · {t('pooling')}: {result.pooling}
          </p>
          {result.results.length === 0 ? (
            <p className="hint" data-testid="similar-empty">{t('noCandidates')}</p>
          ) : (
            <table className="candidates">
              <tbody>
                {result.results.map((c) => (
                  <tr key={c.text} data-testid="similar-result" data-score={c.score}>
                    <td className="token">{c.text}</td>
                    <td className="bar-cell"><span className="bar" style={{ width: `${Math.max(0, Math.round(c.score * 100))}%` }} /></td>
                    <td className="num score" title={t('cosine')}>{c.score.toFixed(4)}</td>
                    <td className="num hint" title={t('drawnTimes')}>×{c.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <ExportButtons name="similar-questions" json={result} text={resultText(result)} testPrefix="similar" />
        </div>
      )}

      <ConsistencyPanel text={text} n={n} sampling={sampling} />
      <SearchPanel />
    </div>
  );
}
