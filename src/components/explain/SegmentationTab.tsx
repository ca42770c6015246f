import { useEffect, useMemo, useState } from 'react';
import { useJob } from '../../app/useJob';
import { useT } from '../../i18n';
import { useApp } from '../../store/store';
import type { ImpactMatrixResult } from '../../tasks/explain';
import { segmentAt } from '../../tasks/explain/segmentation';
import { ProgressBar } from '../ProgressBar';
import { fmt } from './colors';
import { ImpactHeatmap } from './ImpactHeatmap';
import { SyntaxTree } from './SyntaxTree';
import './explain.css';

/** Bars of the adjacent impacts with the threshold as a line; joined pairs are filled. */
function AdjacentChart({ r, threshold }: { r: ImpactMatrixResult; threshold: number }) {
  const w = 26;
  const h = 70;
  const max = Math.max(...r.adjacent, threshold) * 1.05;
  const y = (v: number) => h - (v / max) * h;
  return (
    <svg width={r.adjacent.length * w + 8} height={h + 4} className="seg-adjacent" data-testid="adjacent-chart" role="img">
      {r.adjacent.map((v, i) => {
        const joined = r.joined[i] || v >= threshold;
        return (
          <rect key={i} x={4 + i * w + 4} y={y(v)} width={w - 8} height={h - y(v)} fill={joined ? '#3a6ff7' : '#c7ccd6'}>
            <title>{`${r.tokens[i]}|${r.tokens[i + 1]}: ${fmt(v)}`}</title>
          </rect>
        );
      })}
      <line x1={0} x2={r.adjacent.length * w + 8} y1={y(threshold)} y2={y(threshold)} stroke="#b3261e" strokeDasharray="4 3" />
    </svg>
  );
}

function Segments({ r, threshold }: { r: ImpactMatrixResult; threshold: number }) {
  const segments = segmentAt(r, threshold);
  const pieces: { text: string; word: boolean }[] = [];
  let at = 0;
  for (const s of segments) {
    if (s.from > at) pieces.push({ text: r.text.slice(at, s.from), word: false });
    pieces.push({ text: s.text, word: true });
    at = s.to;
  }
  if (at < r.text.length) pieces.push({ text: r.text.slice(at), word: false });
  return (
    <p className="seg-words" data-testid="segments" data-count={segments.length}>
      {pieces.map((p, k) => (p.word ? <span key={k} className="segment" data-testid="segment">{p.text}</span> : <span key={k}>{p.text}</span>))}
    </p>
  );
}

export function SegmentationTab() {
  const t = useT();
  const model = useApp((s) => s.model);
  const modelReady = useApp((s) => s.modelStatus === 'ready');
  const [text, setText] = useState('今天天气很好我们一起去公园散步');
  const [layer, setLayer] = useState<number | null>(null);
  const [metric, setMetric] = useState<'euclidean' | 'cosine'>('euclidean');
  const job = useJob('impactMatrix');
  const r = job.result;
  const [threshold, setThreshold] = useState(0);
  useEffect(() => {
    if (r) setThreshold(r.defaultThreshold);
  }, [r]);
  const range = useMemo(() => {
    if (!r) return null;
    const lo = Math.min(...r.adjacent);
    const hi = Math.max(...r.adjacent);
    const pad = (hi - lo) * 0.02 || Math.abs(hi) * 0.02 || 0.01;
    return { min: lo - pad, max: hi + pad, step: (hi - lo + 2 * pad) / 400 };
  }, [r]);
  const layers = model?.layers ?? 1;
  const chosenLayer = Math.min(layer ?? layers, layers);
  return (
    <div className="tab-body">
      <p className="hint">{t('segHelp')}</p>
      <form className="stack" onSubmit={(e) => { e.preventDefault(); void job.start({ text, layer: chosenLayer, metric }); }}>
        <textarea rows={2} value={text} onChange={(e) => setText(e.target.value)} aria-label={t('segSentence')} placeholder={t('segSentence')} data-testid="seg-input" />
        <div className="row">
          <label>
            {t('segLayer')}{' '}
            <select value={chosenLayer} onChange={(e) => setLayer(Number(e.target.value))} data-testid="seg-layer">
              {Array.from({ length: layers }, (_, k) => <option key={k} value={k + 1}>{k + 1}</option>)}
            </select>
          </label>
          <label>
            {t('segMetric')}{' '}
            <select value={metric} onChange={(e) => setMetric(e.target.value as 'euclidean' | 'cosine')} data-testid="seg-metric">
              <option value="euclidean">{t('segEuclidean')}</option>
              <option value="cosine">{t('segCosine')}</option>
            </select>
          </label>
          <button type="submit" disabled={!modelReady || job.running} data-testid="seg-run">{job.running ? t('running') : t('segRun')}</button>
          {job.running && <button type="button" onClick={job.cancel} data-testid="seg-cancel">{t('cancel')}</button>}
        </div>
      </form>
      <ProgressBar progress={job.running ? job.progress : null} testId="seg-progress" />
      {job.cancelled && <p className="hint">{t('cancelled')}</p>}
      {job.error && <p className="error" role="alert" data-testid="seg-error">{job.error}</p>}
      {r && range && (
        <div data-testid="seg-result" className="seg-result">
          <section>
            <h3 className="ig-subhead">{t('segSegments')}</h3>
            <Segments r={r} threshold={threshold} />
            <div className="row">
              <label className="seg-slider">
                {t('segThreshold')}{' '}
                <input type="range" min={range.min} max={range.max} step={range.step} value={threshold} onChange={(e) => setThreshold(Number(e.target.value))} data-testid="threshold-slider" />
                <output data-testid="threshold-value">{fmt(threshold)}</output>
              </label>
              <button type="button" onClick={() => setThreshold(r.defaultThreshold)} title={t('segThresholdDefault')}>{t('segResetThreshold')} ({fmt(r.defaultThreshold)})</button>
            </div>
            <p className="hint">{t('segAdjacent')}</p>
            <AdjacentChart r={r} threshold={threshold} />
          </section>
          <div className="seg-pictures">
            <ImpactHeatmap tokens={r.tokens} matrix={r.matrix} />
            {r.tree && (
              <figure className="seg-figure">
                <figcaption>{t('segTree')} ({t('segTreeAt')} {fmt(r.threshold)})</figcaption>
                <SyntaxTree tree={r.tree} />
              </figure>
            )}
          </div>
          <p className="hint">
            {r.copies} {t('segCopies')}, {r.batches} {t('segBatches')}; {t('segLayer')} {r.layer}, {r.metric}
          </p>
        </div>
      )}
    </div>
  );
}
