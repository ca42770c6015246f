// The Perturbed Masking impact matrix as an SVG heatmap, one cell per (row i, column j).
import { useT } from '../../i18n';
import { fmt, sequentialColor } from './colors';

export function ImpactHeatmap({ tokens, matrix }: { tokens: readonly string[]; matrix: readonly (readonly number[])[] }) {
  const t = useT();
  const n = tokens.length;
  const cell = Math.max(8, Math.min(30, Math.floor(560 / n)));
  const label = 26;
  const offDiagonal = matrix.flatMap((row, i) => row.filter((_, j) => j !== i));
  const min = Math.min(...offDiagonal);
  const max = Math.max(...offDiagonal);
  const size = label + n * cell;
  const fontSize = Math.min(14, cell - 2);
  return (
    <figure className="seg-figure">
      <figcaption>{t('segHeatmap')} ({fmt(min)} … {fmt(max)})</figcaption>
      <svg width={size} height={size} data-testid="impact-heatmap" role="img" aria-label={t('segHeatmap')}>
        {tokens.map((tok, j) => (
          <text key={`c${j}`} x={label + j * cell + cell / 2} y={label - 8} textAnchor="middle" fontSize={fontSize}>{tok}</text>
        ))}
        {tokens.map((tok, i) => (
          <text key={`r${i}`} x={label - 6} y={label + i * cell + cell / 2 + fontSize / 3} textAnchor="end" fontSize={fontSize}>{tok}</text>
        ))}
        {matrix.map((row, i) =>
          row.map((v, j) => (
            <rect key={`${i}-${j}`} className="seg-cell" data-testid="impact-cell" x={label + j * cell} y={label + i * cell} width={cell - 1} height={cell - 1} fill={i === j ? '#eef1f6' : sequentialColor(v, min, max)}>
              <title>{`f(${tokens[i]}#${i}, ${tokens[j]}#${j}) = ${fmt(v)}`}</title>
            </rect>
          )),
        )}
      </svg>
    </figure>
  );
}
