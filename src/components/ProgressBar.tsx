import type { Progress } from '../store/store';

function formatAmount(value: number, unit: string): string {
  if (unit !== 'bytes') return `${value}`;
  if (value >= 1 << 20) return `${(value / (1 << 20)).toFixed(1)} MB`;
  if (value >= 1 << 10) return `${(value / (1 << 10)).toFixed(0)} kB`;
  return `${value} B`;
}

export function ProgressBar({ progress, testId }: { progress: Progress | null; testId?: string }) {
  if (!progress) return null;
  const fraction = progress.total > 0 ? Math.min(progress.done / progress.total, 1) : 0;
  const text = progress.total > 0
    ? `${formatAmount(progress.done, progress.unit)} / ${formatAmount(progress.total, progress.unit)}${progress.unit === 'bytes' ? '' : ` ${progress.unit}`}`
    : formatAmount(progress.done, progress.unit);
  return (
    <div className="progress" data-testid={testId}>
      <progress value={progress.total > 0 ? progress.done : undefined} max={progress.total || undefined} aria-label={progress.label ?? progress.unit} />
      <span className="progress-text">
        {progress.label ? `${progress.label}: ` : ''}
        {text}
        {progress.total > 0 ? ` (${Math.round(fraction * 100)}%)` : ''}
      </span>
    </div>
  );
}
