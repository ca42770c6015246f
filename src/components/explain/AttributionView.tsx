// The result of integrated gradients: the original text painted token by token, F and the
// completeness gap beside it, and a bar per token.
import { useT } from '../../i18n';
import type { AttributeResult, AttributedSequence } from '../../tasks/explain';
import { divergingColor, fmt, maxAbs } from './colors';
import { paintRuns } from './paint';

function tokenTitle(seq: AttributedSequence, t: number): string {
  return `${seq.tokens[t]} #${t}: ${fmt(seq.attributions[t]!)}`;
}

function PaintedSequence({ seq, scale, index }: { seq: AttributedSequence; scale: number; index: number }) {
  return (
    <p className="ig-painted" data-testid="ig-painted" data-sequence={index}>
      {paintRuns(seq).map((run, k) => {
        if (run.kind === 'special') {
          const v = seq.attributions[run.token]!;
          return (
            <span key={k} className="ig-token ig-special" style={divergingColor(v, scale)} title={tokenTitle(seq, run.token)} data-testid="ig-token" data-value={v}>
              {seq.tokens[run.token]}
            </span>
          );
        }
        return (
          <span key={k} className="ig-text">
            {run.pieces.map((p, j) =>
              p.token === null ? (
                <span key={j}>{p.text}</span>
              ) : (
                <span key={j} className="ig-token" style={divergingColor(seq.attributions[p.token]!, scale)} title={tokenTitle(seq, p.token)} data-testid="ig-token" data-value={seq.attributions[p.token]!}>
                  {p.text}
                </span>
              ),
            )}
          </span>
        );
      })}
    </p>
  );
}

function Bars({ seq, scale }: { seq: AttributedSequence; scale: number }) {
  const rowH = 20;
  const labelW = 90;
  const width = 560;
  const mid = labelW + (width - labelW) / 2;
  const half = (width - labelW) / 2 - 56;
  return (
    <svg className="ig-bars" data-testid="ig-bars" width={width} height={seq.tokens.length * rowH + 4} role="img">
      <line x1={mid} x2={mid} y1={0} y2={seq.tokens.length * rowH + 4} stroke="#9aa4b5" />
      {seq.tokens.map((tok, t) => {
        const v = seq.attributions[t]!;
        const w = Math.max((Math.abs(v) / scale) * half, 1);
        const y = t * rowH + 2;
        return (
          <g key={t}>
            <title>{tokenTitle(seq, t)}</title>
            <text x={labelW - 6} y={y + 14} textAnchor="end" className="ig-bar-label">{tok}</text>
            <rect x={v >= 0 ? mid : mid - w} y={y + 3} width={w} height={rowH - 6} fill={divergingColor(v, scale).background} stroke="#c7ccd6" strokeWidth={0.5} />
            <text x={v >= 0 ? mid + w + 4 : mid - w - 4} y={y + 14} textAnchor={v >= 0 ? 'start' : 'end'} className="ig-bar-value">{fmt(v)}</text>
          </g>
        );
      })}
    </svg>
  );
}

export function AttributionView({ result }: { result: AttributeResult }) {
  const t = useT();
  const scale = maxAbs(result.sequences.flatMap((s) => s.attributions));
  const relGap = Math.abs(result.completenessGap) / Math.max(Math.abs(result.fX - result.fBaseline), 1e-12);
  return (
    <div className="ig-view">
      <div className="ig-picture">
        <div className="ig-paint-col">
          <p className="ig-target">F = {result.targetLabel}</p>
          {result.sequences.map((seq, i) => <PaintedSequence key={i} seq={seq} scale={scale} index={i} />)}
          <div className="ig-legend" aria-hidden="true">
            <span style={divergingColor(-scale, scale)}>{fmt(-scale)}</span>
            <span className="ig-legend-bar" />
            <span style={divergingColor(scale, scale)}>{fmt(scale)}</span>
            <span className="hint">{t('igLegendLow')} / {t('igLegendHigh')}</span>
          </div>
        </div>
        <dl className="ig-numbers" data-testid="ig-numbers">
          <dt>F(x)</dt>
          <dd data-testid="ig-fx">{fmt(result.fX)}</dd>
          <dt>F(x′)</dt>
          <dd data-testid="ig-fbase">{fmt(result.fBaseline)}</dd>
          <dt>{t('igSum')}</dt>
          <dd>{fmt(result.sum)}</dd>
          <dt title={t('igGapHint')}>{t('igGap')}</dt>
          <dd data-testid="ig-gap" data-value={result.completenessGap} title={t('igGapHint')} className={relGap > 0.05 ? 'ig-gap-large' : undefined}>
            {fmt(result.completenessGap)} ({(relGap * 100).toFixed(relGap < 0.01 ? 2 : 1)}%)
          </dd>
        </dl>
      </div>
      <h3 className="ig-subhead">{t('igBars')}</h3>
      {result.sequences.map((seq, i) => <Bars key={i} seq={seq} scale={scale} />)}
    </div>
  );
}
