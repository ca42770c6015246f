// Gibbs sampling from the MLM: the chains animate step by step with the position just resampled
// highlighted, then the final sentences and the most frequent samples after burn-in.
import { useState } from 'react';
import { useJob } from '../../app/useJob';
import { useT } from '../../i18n';
import { useApp } from '../../store/store';
import type { GibbsChainStep, GibbsPartial, GibbsResult } from '../../tasks/generate';
import { ProgressBar } from '../ProgressBar';
import { ExportButtons, jobState, Notices, NumberField, Speed, Toggle } from './fields';

interface Settings {
  length: number;
  text: string;
  steps: number;
  burnIn: number;
  chains: number;
  order: 'random' | 'sequential';
  temperature: number;
  topK: number;
  mh: boolean;
  seed: number;
}

// Resampled to a new token / to the same token / proposal refused by MH.
const HIGHLIGHT = { changed: '#ffd35c', same: '#c6d6ff', rejected: '#f4a6a0' } as const;

function ChainView({ chain, index }: { chain: GibbsChainStep; index: number }) {
  const t = useT();
  const kind = !chain.accepted ? 'rejected' : chain.changed ? 'changed' : 'same';
  return (
    <div className="filled" data-testid="gibbs-chain" data-position={chain.position} data-accepted={chain.accepted}>
      <span className="hint">{t('chain')} {index + 1}: </span>
      {chain.tokens.map((tok, i) => (
        <span
          key={i}
          data-testid="gibbs-token"
          data-current={i === chain.position ? kind : undefined}
          title={i === chain.position ? `${t('step')}: ${chain.token}${chain.accepted ? '' : ` (${t('rejected')})`}` : undefined}
          style={i === chain.position ? { background: HIGHLIGHT[kind], borderRadius: 3, transition: 'background .2s' } : undefined}
        >
          {tok.startsWith('##') ? tok.slice(2) : tok}
        </span>
      ))}
    </div>
  );
}

function resultText(r: GibbsResult): string {
  return r.chains.map((c) => c.text).join('\n');
}

export function GibbsTab() {
  const t = useT();
  const modelReady = useApp((s) => s.modelStatus === 'ready');
  const backend = useApp((s) => s.backendReport?.backend);
  const [s, setS] = useState<Settings>({ length: 12, text: '', steps: 200, burnIn: 50, chains: 4, order: 'random', temperature: 1, topK: 0, mh: false, seed: 1 });
  const set = (patch: Partial<Settings>) => setS((x) => ({ ...x, ...patch }));
  const job = useJob('gibbs');
  const partial = job.partial as GibbsPartial | null;
  const result = job.result;

  const run = () =>
    void job.start({
      length: s.length, text: s.text.trim() || undefined, steps: s.steps, burnIn: s.burnIn, chains: s.chains, order: s.order,
      temperature: s.temperature, topK: s.topK, mh: s.mh, seed: s.seed,
    });

  return (
    <div className="tab-body">
      <p className="hint">{t('gibbsHelp')}</p>
      <form className="stack" onSubmit={(e) => { e.preventDefault(); run(); }}>
        <input type="text" value={s.text} placeholder={t('startText')} aria-label={t('startText')} data-testid="gibbs-text" onChange={(e) => set({ text: e.target.value })} />
        <div className="row">
          <NumberField label={t('startLength')} value={s.length} min={1} max={126} onChange={(v) => set({ length: v })} testId="gibbs-length" disabled={s.text.trim() !== ''} />
          <NumberField label={t('steps')} value={s.steps} min={1} max={100000} onChange={(v) => set({ steps: v })} testId="gibbs-steps" />
          <NumberField label={t('burnIn')} value={s.burnIn} min={0} onChange={(v) => set({ burnIn: v })} testId="gibbs-burnin" />
          <NumberField label={t('chains')} value={s.chains} min={1} max={32} onChange={(v) => set({ chains: v })} testId="gibbs-chains" />
          <label>
            {t('order')}{' '}
            <select value={s.order} data-testid="gibbs-order" onChange={(e) => set({ order: e.target.value as Settings['order'] })}>
              <option value="random">{t('orderRandom')}</option>
              <option value="sequential">{t('orderSequential')}</option>
            </select>
          </label>
          <NumberField label={t('temperature')} value={s.temperature} min={0.1} max={5} step={0.1} onChange={(v) => set({ temperature: v })} testId="gibbs-temperature" />
          <NumberField label={t('topKAll')} value={s.topK} min={0} onChange={(v) => set({ topK: v })} testId="gibbs-topk" />
          <NumberField label={t('seed')} value={s.seed} onChange={(v) => set({ seed: v })} testId="gibbs-seed" />
          <Toggle label={t('mhToggle')} checked={s.mh} onChange={(v) => set({ mh: v })} testId="gibbs-mh" />
        </div>
        <div className="row">
          <button type="submit" disabled={!modelReady || job.running} data-testid="gibbs-run">{job.running ? t('running') : t('sample')}</button>
          {job.running && <button type="button" onClick={job.cancel} data-testid="gibbs-stop">{t('stop')}</button>}
          <Speed rate={result?.stepsPerSecond ?? partial?.stepsPerSecond} unit={t('stepsPerSecond')} backend={result?.backend ?? backend} testId="gibbs-speed" />
        </div>
      </form>
      <ProgressBar progress={job.running ? job.progress : null} testId="gibbs-progress" />
      <div data-testid="gibbs-status" data-state={jobState(job)}>
        {job.cancelled && t('cancelled')}
        {job.error && <span className="error" role="alert" data-testid="gibbs-error">{job.error}</span>}
      </div>

      {partial && (
        <div data-testid="gibbs-live">
          <p className="hint">
            <span data-testid="gibbs-step" data-step={partial.step}>{t('step')} {partial.step}/{partial.steps}</span>
            {' · '}
            {partial.step <= partial.burnIn ? t('burnInPhase') : t('samplingPhase')}
            {partial.acceptanceRate !== null && (
              <span data-testid="gibbs-acceptance" data-rate={partial.acceptanceRate}> · {t('acceptanceRate')} {(partial.acceptanceRate * 100).toFixed(1)}%</span>
            )}
          </p>
          {partial.chains.map((c, i) => (
            <ChainView key={i} chain={c} index={i} />
          ))}
        </div>
      )}

      {result && (
        <div data-testid="gibbs-result">
          <Notices notices={result.notices} testId="gibbs-notices" />
          {result.acceptanceRate !== null && (
            <p className="hint" data-testid="gibbs-final-acceptance">
              {t('acceptanceRate')}: {(result.acceptanceRate * 100).toFixed(1)}% ({result.accepted}/{result.proposals} {t('acceptedOf')})
            </p>
          )}
          <h3>{t('finalChains')}</h3>
          <ol>
            {result.chains.map((c, i) => (
              <li key={i} data-testid="gibbs-final">
                {c.text}
                {c.energy !== null && Number.isFinite(c.energy) && <span className="hint"> · {t('energy')} {c.energy.toFixed(2)}</span>}
                {c.samples.length > 0 && (
                  <details>
                    <summary className="hint">{t('frequentSamples')}</summary>
                    <ul>
                      {c.samples.slice(0, 5).map((x) => (
                        <li key={x.text}>{x.text} <span className="hint">×{x.count}</span></li>
                      ))}
                    </ul>
                  </details>
                )}
              </li>
            ))}
          </ol>
          <ExportButtons name="gibbs" json={result} text={resultText(result)} testPrefix="gibbs" />
        </div>
      )}
    </div>
  );
}
