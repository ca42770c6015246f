// The Spans tab: runs the GlobalPointer span head stored with the weights and underlines the
// labelled spans in the text (nested and overlapping spans stack in lanes), with a label legend
// that toggles labels, scores on hover, a threshold slider and a list of the spans.
import { useEffect, useMemo, useState, type CSSProperties } from 'react';
import { useJob } from '../app/useJob';
import { useT } from '../i18n';
import { useApp } from '../store/store';
import type { Span, SpanHeadInfo, SpanResult } from '../tasks/spans';
import { assignLanes, segmentText } from '../tasks/spans/span-lanes';
import { ProgressBar } from './ProgressBar';

const DEFAULT_TEXT = '在工具菜单中选择选项，然后打开语言设置对话框。';
// The run loads every span above SLIDER_MIN (best LOAD_LIMIT first); the slider then filters
// on the page without running again.
const SLIDER_MIN = -10;
const SLIDER_MAX = 10;
const LOAD_LIMIT = 2000;
const MAX_LANES = 12;
const LIST_LIMIT = 300;
const PALETTE = ['#3a6ff7', '#e03131', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#8d5524', '#d6336c'];

const labelColor = (type: number) => PALETTE[type % PALETTE.length]!;
const spanTitle = (s: Span) => `${s.label} · ${s.score.toFixed(3)} · “${s.text}” (tokens ${s.startToken}–${s.endToken})`;

function HeadLine({ head }: { head: SpanHeadInfo }) {
  const t = useT();
  return (
    <p className="hint" data-testid="spans-head-info">
      {t('spansHead')}: {head.kind === 'efficient_global_pointer' ? t('spansEfficient') : t('spansPlain')} · {head.labels.join(', ')} · {t('spansHeadSize')} {head.headSize}
      {head.labelSource === 'default' && <><br />{t('spansDefaultLabels')}</>}
    </p>
  );
}

interface Shown {
  span: Span;
  index: number;
}

function SpanText({ result, shown, hover, setHover }: { result: SpanResult; shown: Shown[]; hover: number | null; setHover: (i: number | null) => void }) {
  const t = useT();
  const { lanes, segments } = useMemo(() => {
    const lanes = assignLanes(shown.map((s) => s.span));
    const laneCount = Math.min(MAX_LANES, lanes.reduce((m, l) => Math.max(m, l + 1), 0));
    return { lanes, segments: segmentText(result.text.length, shown.map((s) => s.span), lanes, laneCount) };
  }, [result, shown]);
  const hovered = hover === null ? null : result.spans[hover];
  const undrawn = lanes.filter((l) => l >= MAX_LANES).length;
  return (
    <>
      <div data-testid="spans-text" style={{ fontSize: '1.25rem', lineHeight: 1.4, whiteSpace: 'pre-wrap', margin: '8px 0' }}>
        {segments.map((seg) => {
          const piece = result.text.slice(seg.start, seg.end);
          const lit = hovered && hovered.start <= seg.start && seg.end <= hovered.end;
          const textStyle: CSSProperties = lit ? { background: `${labelColor(hovered.type)}33` } : {};
          const deepest = seg.lanes.reduce((m, s, l) => (s >= 0 ? l : m), -1);
          if (deepest < 0) return <span key={seg.start} style={textStyle}>{piece}</span>;
          return (
            <span key={seg.start} style={{ display: 'inline-flex', flexDirection: 'column' }}>
              <span style={textStyle}>{piece}</span>
              {seg.lanes.slice(0, deepest + 1).map((k, lane) => {
                if (k < 0) return <span key={lane} style={{ height: 3, marginTop: 2 }} />;
                const s = shown[k]!;
                return (
                  <span
                    key={lane}
                    data-testid="span-mark"
                    data-span={s.index}
                    data-label={s.span.label}
                    title={spanTitle(s.span)}
                    onMouseEnter={() => setHover(s.index)}
                    onMouseLeave={() => setHover(null)}
                    style={{ height: 3, marginTop: 2, borderRadius: 2, background: labelColor(s.span.type), opacity: hover === null || hover === s.index ? 1 : 0.35 }}
                  />
                );
              })}
            </span>
          );
        })}
      </div>
      {hovered && <p className="hint" data-testid="spans-hover">{spanTitle(hovered)}</p>}
      {undrawn > 0 && <p className="hint" data-testid="spans-more-lanes" data-count={undrawn}>{undrawn} {t('spansMoreLanes')}</p>}
    </>
  );
}

function SpanList({ shown, setHover }: { shown: Shown[]; setHover: (i: number | null) => void }) {
  const t = useT();
  const best = [...shown].sort((a, b) => b.span.score - a.span.score).slice(0, LIST_LIMIT);
  return (
    <table className="candidates" data-testid="spans-list">
      {shown.length > LIST_LIMIT && <caption>{t('spansListCut')} {LIST_LIMIT}</caption>}
      <thead>
        <tr><th>{t('spansLabel')}</th><th>{t('spansSpan')}</th><th>{t('spansTokens')}</th><th className="num">{t('spansScore')}</th></tr>
      </thead>
      <tbody>
        {best.map(({ span: s, index }) => (
          <tr
            key={index}
            data-testid="span-row"
            data-label={s.label}
            data-start={s.start}
            data-end={s.end}
            data-score={s.score}
            title={spanTitle(s)}
            onMouseEnter={() => setHover(index)}
            onMouseLeave={() => setHover(null)}
          >
            <td><span style={{ color: labelColor(s.type), fontWeight: 600 }}>{s.label}</span></td>
            <td className="token">{s.text}</td>
            <td className="num">{s.startToken}–{s.endToken}</td>
            <td className="num">{s.score.toFixed(4)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SpanResultView({ result, threshold }: { result: SpanResult; threshold: number }) {
  const t = useT();
  const [hiddenTypes, setHiddenTypes] = useState<ReadonlySet<number>>(new Set());
  const [hover, setHover] = useState<number | null>(null);
  const aboveThreshold = useMemo(
    () => result.spans.map((span, index) => ({ span, index })).filter((s) => s.span.score > threshold),
    [result, threshold],
  );
  const shown = useMemo(() => aboveThreshold.filter((s) => !hiddenTypes.has(s.span.type)), [aboveThreshold, hiddenTypes]);
  const lowestLoaded = result.spans.reduce((m, s) => Math.min(m, s.score), Infinity);
  const toggle = (type: number) => setHiddenTypes((h) => {
    const next = new Set(h);
    if (!next.delete(type)) next.add(type);
    return next;
  });
  return (
    <div data-testid="spans-result">
      <div className="row" data-testid="spans-legend" aria-label={t('spansLegend')}>
        <span className="hint">{t('spansLegend')}:</span>
        {result.head.labels.map((label, type) => (
          <button
            key={label}
            type="button"
            data-testid="spans-legend-item"
            data-label={label}
            aria-pressed={!hiddenTypes.has(type)}
            onClick={() => toggle(type)}
            style={{ opacity: hiddenTypes.has(type) ? 0.45 : 1 }}
          >
            <span style={{ display: 'inline-block', width: 12, height: 12, borderRadius: 2, background: labelColor(type), marginRight: 6, verticalAlign: 'middle' }} />
            {label} ({aboveThreshold.filter((s) => s.span.type === type).length})
          </button>
        ))}
      </div>
      <p className="hint" data-testid="spans-count">{shown.length} {t('spansShown')} {threshold.toFixed(1)}</p>
      {result.omitted > 0 && threshold < lowestLoaded && (
        <p className="hint">{result.omitted} {t('spansOmitted')} {lowestLoaded.toFixed(2)}.</p>
      )}
      <SpanText result={result} shown={shown} hover={hover} setHover={setHover} />
      {shown.length === 0 ? <p className="hint" data-testid="spans-none">{t('spansNone')}</p> : <SpanList shown={shown} setHover={setHover} />}
    </div>
  );
}

export function SpansTab() {
  const t = useT();
  const model = useApp((s) => s.model);
  const modelReady = useApp((s) => s.modelStatus === 'ready');
  const [text, setText] = useState(DEFAULT_TEXT);
  const [threshold, setThreshold] = useState(0);
  const job = useJob('spans');
  const headJob = useJob('spanHead');
  const checkHead = headJob.start;
  // Ask the worker whether the loaded weights carry a span head whenever the model changes.
  useEffect(() => {
    if (modelReady && model) void checkHead({});
  }, [modelReady, model, checkHead]);
  const status = headJob.result;
  const noHead = status !== null && !status.found;
  return (
    <div className="tab-body">
      <p className="hint">{t('spansHelp')}</p>
      {status?.found && <HeadLine head={status.head} />}
      {noHead && (
        <p className="error" role="status" data-testid="spans-no-head">
          {t('spansNoHead')} {status.message}
        </p>
      )}
      <form className="stack" onSubmit={(e) => { e.preventDefault(); void job.start({ text, threshold: SLIDER_MIN, maxSpans: LOAD_LIMIT }); }}>
        <textarea value={text} rows={3} onChange={(e) => setText(e.target.value)} aria-label={t('spansText')} data-testid="spans-input" />
        <div className="row">
          <label>
            {t('spansThreshold')}{' '}
            <input
              type="range"
              min={SLIDER_MIN}
              max={SLIDER_MAX}
              step={0.1}
              value={threshold}
              onChange={(e) => setThreshold(Number(e.target.value))}
              data-testid="spans-threshold"
            />{' '}
            <span className="num" data-testid="spans-threshold-value">{threshold.toFixed(1)}</span>
          </label>
          <button type="submit" disabled={!modelReady || noHead || job.running} data-testid="spans-run">{job.running ? t('running') : t('spansRun')}</button>
        </div>
      </form>
      <ProgressBar progress={job.running ? job.progress : null} />
      {job.error && <p className="error" role="alert" data-testid="spans-error">{job.error}</p>}
      {headJob.error && <p className="error" role="alert">{headJob.error}</p>}
      {job.result && <SpanResultView result={job.result} threshold={threshold} />}
    </div>
  );
}
