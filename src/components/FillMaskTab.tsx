import { useState } from 'react';
import { useJob } from '../app/useJob';
import { useT } from '../i18n';
import { useApp } from '../store/store';
import { ProgressBar } from './ProgressBar';

export function FillMaskTab() {
  const t = useT();
  const modelReady = useApp((s) => s.modelStatus === 'ready');
  const [text, setText] = useState('今天天气很[MASK]，我们去公园散步。');
  const [topK, setTopK] = useState(5);
  const job = useJob('fillMask');
  return (
    <div className="tab-body">
      <p className="hint">{t('fillMaskHelp')}</p>
      <form className="stack" onSubmit={(e) => { e.preventDefault(); void job.start({ text, topK }); }}>
        <textarea value={text} rows={3} onChange={(e) => setText(e.target.value)} aria-label={t('tabFillMask')} data-testid="fill-mask-input" />
        <div className="row">
          <label>
            {t('topK')}{' '}
            <input type="number" min={1} max={50} value={topK} onChange={(e) => setTopK(Number(e.target.value))} />
          </label>
          <button type="submit" disabled={!modelReady || job.running} data-testid="fill-mask-run">{job.running ? t('running') : t('predict')}</button>
        </div>
      </form>
      <ProgressBar progress={job.running ? job.progress : null} />
      {job.error && <p className="error" role="alert" data-testid="fill-mask-error">{job.error}</p>}
      {job.result && (
        <div data-testid="fill-mask-result">
          <p className="filled">{job.result.filled}</p>
          {job.result.masks.map((m) => (
            <table key={m.position} className="candidates">
              <caption>[MASK] @ {m.position}</caption>
              <tbody>
                {m.candidates.map((c) => (
                  <tr key={c.id}>
                    <td className="token">{c.token}</td>
                    <td className="bar-cell"><span className="bar" style={{ width: `${Math.round(c.probability * 100)}%` }} /></td>
                    <td className="num">{(c.probability * 100).toFixed(1)}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        </div>
      )}
    </div>
  );
}
