import { useState } from 'react';
import { useJob } from '../../app/useJob';
import { useT } from '../../i18n';
import { useApp } from '../../store/store';
import type { IgBaseline, IgRule, IgTarget } from '../../tasks/explain';
import { ProgressBar } from '../ProgressBar';
import { AttributionView } from './AttributionView';
import { downloadBlob } from '../download';
import { attributionPng, downloadJson } from './download';
import './explain.css';

const MASK = '[MASK]';

function countMasks(...texts: string[]): number {
  return texts.reduce((n, s) => n + s.split(MASK).length - 1, 0);
}

export function AttributionsTab() {
  const t = useT();
  const model = useApp((s) => s.model);
  const modelReady = useApp((s) => s.modelStatus === 'ready');
  const [target, setTarget] = useState<IgTarget>('mlm');
  const [text, setText] = useState('北京是中国的[MASK]都。');
  const [second, setSecond] = useState('');
  const [sentenceA, setSentenceA] = useState('今天下雨了');
  const [sentenceB, setSentenceB] = useState('记得带伞');
  const [maskIndex, setMaskIndex] = useState(0);
  const [targetToken, setTargetToken] = useState('首');
  const [steps, setSteps] = useState(50);
  const [rule, setRule] = useState<IgRule>('trapezoid');
  const [baseline, setBaseline] = useState<IgBaseline>('zero');
  const job = useJob('attribute');
  const suggest = useJob('fillMask');

  const masks = countMasks(text, second);
  const noMlmHead = target === 'mlm' && model !== null && !model.hasMlmHead;
  const run = () => {
    if (target === 'mlm') {
      const texts = second.trim() ? [text, second] : [text];
      void job.start({ target, texts, maskOccurrence: Math.min(maskIndex, Math.max(masks - 1, 0)), targetToken, steps, rule, baseline });
    } else {
      void job.start({ target, texts: [sentenceA, sentenceB], steps, rule, baseline });
    }
  };
  const suggestions = suggest.result?.masks[Math.min(maskIndex, suggest.result.masks.length - 1)]?.candidates ?? [];

  return (
    <div className="tab-body">
      <p className="hint">{t('igHelp')}</p>
      <form className="stack" onSubmit={(e) => { e.preventDefault(); run(); }}>
        <label className="row">
          {t('igTarget')}{' '}
          <select value={target} onChange={(e) => setTarget(e.target.value as IgTarget)} data-testid="ig-target">
            <option value="mlm">{t('igTargetMlm')}</option>
            <option value="similarity">{t('igTargetSimilarity')}</option>
            <option value="nsp">{t('igTargetNsp')}</option>
          </select>
        </label>
        {target === 'mlm' ? (
          <>
            <textarea rows={2} value={text} onChange={(e) => setText(e.target.value)} aria-label={t('igText')} placeholder={t('igText')} data-testid="ig-input" />
            <input type="text" value={second} onChange={(e) => setSecond(e.target.value)} aria-label={t('igSecondSentence')} placeholder={t('igSecondSentence')} data-testid="ig-input-second" />
            <div className="row">
              {masks > 1 && (
                <label>
                  {t('igWhichMask')}{' '}
                  <select value={Math.min(maskIndex, masks - 1)} onChange={(e) => setMaskIndex(Number(e.target.value))} data-testid="ig-mask-index">
                    {Array.from({ length: masks }, (_, k) => <option key={k} value={k}>{k + 1}</option>)}
                  </select>
                </label>
              )}
              <label>
                {t('igTargetToken')}{' '}
                <input type="text" className="ig-target-token" value={targetToken} onChange={(e) => setTargetToken(e.target.value)} data-testid="ig-target-token" />
              </label>
              {!second.trim() && (
                <button type="button" disabled={!modelReady || noMlmHead || suggest.running || masks === 0} onClick={() => void suggest.start({ text, topK: 8 })} data-testid="ig-suggest">
                  {t('igSuggest')}
                </button>
              )}
            </div>
            {suggestions.length > 0 && (
              <div className="row ig-suggestions" title={t('igSuggestHint')}>
                {suggestions.map((c) => (
                  <button key={c.id} type="button" className={c.token === targetToken ? 'chip chip-on' : 'chip'} onClick={() => setTargetToken(c.token)}>
                    {c.token} <span className="hint">{(c.probability * 100).toFixed(1)}%</span>
                  </button>
                ))}
              </div>
            )}
            {suggest.error && <p className="error" role="alert">{suggest.error}</p>}
          </>
        ) : (
          <>
            <input type="text" value={sentenceA} onChange={(e) => setSentenceA(e.target.value)} aria-label={t('igSentenceA')} placeholder={t('igSentenceA')} data-testid="ig-sentence-a" />
            <input type="text" value={sentenceB} onChange={(e) => setSentenceB(e.target.value)} aria-label={t('igSentenceB')} placeholder={t('igSentenceB')} data-testid="ig-sentence-b" />
          </>
        )}
        <div className="row">
          <label>
            {t('igSteps')}{' '}
            <input type="number" min={1} max={1000} value={steps} onChange={(e) => setSteps(Math.round(Number(e.target.value)))} data-testid="ig-steps" />
          </label>
          <label>
            {t('igRule')}{' '}
            <select value={rule} onChange={(e) => setRule(e.target.value as IgRule)} data-testid="ig-rule">
              <option value="trapezoid">{t('igRuleTrapezoid')}</option>
              <option value="riemann_left">{t('igRuleLeft')}</option>
              <option value="riemann_right">{t('igRuleRight')}</option>
            </select>
          </label>
          <label>
            {t('igBaseline')}{' '}
            <select value={baseline} onChange={(e) => setBaseline(e.target.value as IgBaseline)} data-testid="ig-baseline">
              <option value="zero">{t('igBaselineZero')}</option>
              <option value="pad">{t('igBaselinePad')}</option>
              <option value="mask">{t('igBaselineMask')}</option>
            </select>
          </label>
          <button type="submit" disabled={!modelReady || job.running || noMlmHead} data-testid="ig-run">{job.running ? t('running') : t('igRun')}</button>
          {job.running && <button type="button" onClick={job.cancel} data-testid="ig-cancel">{t('cancel')}</button>}
        </div>
      </form>
      {noMlmHead && <p className="error" role="alert" data-testid="ig-no-mlm">{t('igNoMlmHead')}</p>}
      <ProgressBar progress={job.running ? job.progress : null} testId="ig-progress" />
      {job.cancelled && <p className="hint">{t('cancelled')}</p>}
      {job.error && <p className="error" role="alert" data-testid="ig-error">{job.error}</p>}
      {job.result && (
        <div data-testid="ig-result">
          <AttributionView result={job.result} />
          <div className="row">
            <button type="button" data-testid="ig-export-png" onClick={() => void attributionPng(job.result!, { gap: t('igGap'), sum: t('igSum') }).then((b) => downloadBlob(b, 'attributions.png'))}>
              {t('exportPng')}
            </button>
            <button type="button" data-testid="ig-export-json" onClick={() => downloadJson(job.result, 'attributions.json')}>{t('exportJsonFile')}</button>
          </div>
        </div>
      )}
    </div>
  );
}
