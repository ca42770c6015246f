// Colour scales of the explanation views, as CSS colours.

function mix(a: readonly number[], b: readonly number[], t: number): string {
  const c = a.map((x, i) => Math.round(x + (b[i]! - x) * t));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

const WHITE = [255, 255, 255];
const RED = [202, 42, 42];
const BLUE = [37, 99, 196];
const INK = [29, 36, 48];

/**
 * Diverging scale for signed values: white at 0, red for positive, blue for negative, full
 * strength at |v| = max. The text colour stays readable on the strongest shades.
 */
export function divergingColor(v: number, max: number): { background: string; color: string } {
  const t = max > 0 ? Math.min(Math.abs(v) / max, 1) : 0;
  return { background: mix(WHITE, v >= 0 ? RED : BLUE, t), color: t > 0.6 ? '#fff' : '#1d2430' };
}

const MID_BLUE = [120, 150, 220];

/** Sequential scale for values in [min, max]: white → mid blue → dark ink. */
export function sequentialColor(v: number, min: number, max: number): string {
  const t = max > min ? Math.min(Math.max((v - min) / (max - min), 0), 1) : 0;
  return t < 0.5 ? mix(WHITE, MID_BLUE, t * 2) : mix(MID_BLUE, INK, (t - 0.5) * 2);
}

/** Largest |value|, at least a tiny positive number so scales never divide by zero. */
export function maxAbs(values: readonly number[]): number {
  return values.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-12);
}

/** A number for people: 4 significant digits, no exponent for ordinary sizes. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toPrecision(4).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}
